import type { ChatCompletion, ChatUsage, FinishReason } from "../../core/chat.js";
import type { ResponsesRequest } from "./responses-request-schema.js";

/** What a translated answer's Response object is built from. */
export interface ResponseFrame {
  id: string;
  createdAt: number;
  /** The catalog model that answered. */
  model: string;
  body: ResponsesRequest;
  /** Functions the request offered inside a `namespace`, by name. */
  namespaces?: ReadonlyMap<string, string>;
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** Booked usage in the Responses shape: input counts the cached tokens, output the reasoning ones. */
export function convertResponsesUsage(usage: ChatUsage | undefined): Record<string, unknown> {
  const input = usage?.prompt_tokens ?? 0;
  const output = usage?.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: usage?.total_tokens ?? input + output,
  };
}

/** `length` and `content_filter` end a response as incomplete, the rest as completed. */
export function statusOf(finishReason: FinishReason | null): {
  status: ResponseStatus;
  incompleteDetails: { reason: string } | null;
} {
  if (finishReason === "length")
    return { status: "incomplete", incompleteDetails: { reason: "max_output_tokens" } };
  if (finishReason === "content_filter") {
    return { status: "incomplete", incompleteDetails: { reason: "content_filter" } };
  }
  return { status: "completed", incompleteDetails: null };
}

/**
 * The Response object around some output, echoing the request's settings as
 * OpenAI does. `store` is false: the gateway keeps no responses.
 */
export function responseObject(
  frame: ResponseFrame,
  state: {
    status: ResponseStatus;
    output: unknown[];
    usage?: ChatUsage | undefined;
    incompleteDetails?: { reason: string } | null;
    error?: { code: string; message: string } | null;
  },
): Record<string, unknown> {
  const { body } = frame;
  return {
    id: frame.id,
    object: "response",
    created_at: frame.createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incompleteDetails ?? null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: frame.model,
    output: state.output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    store: false,
    temperature: body.temperature ?? 1,
    text: { format: body.text?.format ?? { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: state.status === "in_progress" ? null : convertResponsesUsage(state.usage),
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/** A translated answer as a Response object: reasoning, then the message, then the function calls. */
export function convertResponsesResponse(
  completion: ChatCompletion,
  frame: ResponseFrame,
): Record<string, unknown> {
  const choice = completion.choices[0];
  const message = choice?.message;
  const suffix = frame.id.replace(/^resp_/, "");
  const output: unknown[] = [];
  if (message?.reasoning_content) output.push(reasoningItem(`rs_${suffix}`, message.reasoning_content));
  if (message?.content) output.push(messageItem(`msg_${suffix}`, message.content, "completed"));
  for (const [index, call] of (message?.tool_calls ?? []).entries()) {
    output.push(
      functionCallItem(
        `fc_${suffix}_${index}`,
        call.id,
        call.function.name,
        call.function.arguments,
        "completed",
        frame.namespaces?.get(call.function.name),
      ),
    );
  }
  const { status, incompleteDetails } = statusOf(choice?.finish_reason ?? null);
  return responseObject(frame, { status, output, usage: completion.usage, incompleteDetails });
}

export function messageItem(
  id: string,
  text: string,
  status: "in_progress" | "completed",
): Record<string, unknown> {
  return {
    type: "message",
    id,
    status,
    role: "assistant",
    content: status === "completed" || text ? [outputTextPart(text)] : [],
  };
}

export function outputTextPart(text: string): Record<string, unknown> {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

export function functionCallItem(
  id: string,
  callId: string,
  name: string,
  argumentsText: string,
  status: "in_progress" | "completed",
  namespace?: string,
): Record<string, unknown> {
  return {
    type: "function_call",
    id,
    call_id: callId,
    ...(namespace ? { namespace } : {}),
    name,
    arguments: argumentsText,
    status,
  };
}

export function reasoningItem(id: string, summary: string | undefined): Record<string, unknown> {
  return {
    type: "reasoning",
    id,
    summary: summary === undefined ? [] : [{ type: "summary_text", text: summary }],
  };
}
