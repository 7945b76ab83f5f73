import { randomUUID } from "node:crypto";
import type {
  ChatCompletion,
  ChatCompletionMessage,
  ChatUsage,
  FinishReason,
  ToolCall,
} from "../../core/chat.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { mapOpenAiFinishReason } from "./map-openai-finish-reason.js";
import type { OpenAiChatResponse, OpenAiUsage } from "./openai-api.js";

export interface OpenAiResponseContext {
  provider: string;
  url: string;
  /** Reported as `model` when the upstream names none. */
  modelId: string;
  convertUsage(usage: OpenAiUsage): ChatUsage;
  /** Brings an upstream's chunk to OpenAI's shape before it is read (Mistral's content chunks). */
  normalizeChunk?(body: unknown): unknown;
}

/** A Chat Completions answer as our ChatCompletion; OpenAI's needs little more than defaults. */
export function convertOpenAiResponse(
  response: OpenAiChatResponse,
  context: OpenAiResponseContext,
): ChatCompletion {
  const choice = response.choices[0];
  if (!choice) {
    throw new UpstreamError({
      provider: context.provider,
      kind: "invalid_response",
      message: `${context.provider} answered with no choices`,
      url: context.url,
      body: JSON.stringify(response),
    });
  }
  const completion: ChatCompletion = {
    id: response.id ?? `chatcmpl-${randomUUID()}`,
    object: "chat.completion",
    created: response.created ?? Math.floor(Date.now() / 1000),
    model: response.model ?? context.modelId,
    // More than one choice only when the caller asked for `n`.
    choices: response.choices.map(convertChoice),
  };
  if (response.usage) completion.usage = context.convertUsage(response.usage);
  return completion;
}

function convertChoice(
  choice: OpenAiChatResponse["choices"][number],
  index: number,
): ChatCompletion["choices"][number] {
  const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).map((call) => ({
    id: call.id ?? newToolCallId(),
    type: "function",
    function: { name: call.function.name, arguments: call.function.arguments ?? "" },
  }));
  const message: ChatCompletionMessage = {
    role: "assistant",
    // A refusal is the model's answer to the caller; our shape has no field of its own for it.
    content: choice.message.content ?? choice.message.refusal ?? null,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (choice.message.reasoning_content) message.reasoning_content = choice.message.reasoning_content;
  const converted: ChatCompletion["choices"][number] = {
    index,
    message,
    finish_reason: finishReasonOf(choice.finish_reason, toolCalls.length > 0),
  };
  if (choice.logprobs) converted.logprobs = choice.logprobs;
  return converted;
}

/** Some compatible servers (older Ollama) say `stop` when the answer is tool calls. */
export function finishReasonOf(finishReason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  const mapped = mapOpenAiFinishReason(finishReason);
  return hasToolCalls && mapped === "stop" ? "tool_calls" : mapped;
}

/** OpenAI-style id for servers that leave tool-call ids out. */
export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}
