import type { FinishReason } from "../../core/chat.js";

/**
 * Converse `stopReason` -> OpenAI `finish_reason`
 * (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax).
 * `hasToolCalls` says whether the caller gets tool calls.
 */
export function mapBedrockStopReason(
  stopReason: string | null | undefined,
  hasToolCalls: boolean,
): FinishReason {
  switch (stopReason) {
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return hasToolCalls ? "tool_calls" : "stop";
    case "content_filtered":
    case "guardrail_intervened":
      return "content_filter";
    default:
      // `malformed_model_output`, `malformed_tool_use` and anything newer: the
      // turn ended without an HTTP error, which OpenAI callers read as "stop".
      return hasToolCalls ? "tool_calls" : "stop";
  }
}
