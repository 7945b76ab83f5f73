import type { ChatCompletion, ChatUsage, FinishReason, ToolCall } from "../../core/chat.js";
import type { OpenAiResponseBody, OpenAiResponsesUsage } from "./openai-responses-api.js";

/** Responses usage as we book it: `input_tokens` counts the cached ones, as `prompt_tokens` does. */
export function convertOpenAiResponsesUsage(usage: OpenAiResponsesUsage): ChatUsage {
  const input = usage.input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  const cached = usage.input_tokens_details?.cached_tokens ?? undefined;
  const reasoning = usage.output_tokens_details?.reasoning_tokens ?? undefined;
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: usage.total_tokens ?? input + output,
    ...(cached !== undefined ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
    ...(reasoning !== undefined ? { completion_tokens_details: { reasoning_tokens: reasoning } } : {}),
  };
}

/**
 * A Response object read as a chat completion: what the gateway books and
 * reports (usage, text, tool calls), while the caller gets the body itself.
 */
export function convertOpenAiResponsesBody(body: OpenAiResponseBody, modelId: string): ChatCompletion {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const item of body.output ?? []) {
    if (item.type === "message") {
      for (const part of item.content ?? []) texts.push(part.text ?? part.refusal ?? "");
    } else if (item.type === "function_call") {
      toolCalls.push({
        id: item.call_id ?? item.id ?? "",
        type: "function",
        function: { name: item.name ?? "", arguments: item.arguments ?? "" },
      });
    } else if (item.type === "reasoning") {
      for (const part of item.summary ?? []) reasoning.push(part.text ?? "");
    }
  }
  return {
    id: body.id ?? "",
    object: "chat.completion",
    created: body.created_at ?? Math.floor(Date.now() / 1000),
    model: body.model ?? modelId,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: texts.length > 0 ? texts.join("") : null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning.length > 0 ? { reasoning_content: reasoning.join("\n\n") } : {}),
        },
        finish_reason: finishReasonOfResponse(
          body.status,
          body.incomplete_details?.reason,
          toolCalls.length > 0,
        ),
      },
    ],
    ...(body.usage ? { usage: convertOpenAiResponsesUsage(body.usage) } : {}),
  };
}

export function finishReasonOfResponse(
  status: string | null | undefined,
  incompleteReason: string | null | undefined,
  hasToolCalls: boolean,
): FinishReason {
  if (status === "incomplete") return incompleteReason === "content_filter" ? "content_filter" : "length";
  return hasToolCalls ? "tool_calls" : "stop";
}
