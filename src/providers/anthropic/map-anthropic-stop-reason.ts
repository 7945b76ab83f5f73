import type { FinishReason } from "../../core/chat.js";

/**
 * Anthropic `stop_reason` -> OpenAI `finish_reason`
 * (https://docs.claude.com/en/api/handling-stop-reasons). `hasToolCalls` says
 * whether the caller gets tool calls: a forced JSON answer also stops on
 * `tool_use`, yet for the caller it is plain content.
 */
export function mapAnthropicStopReason(
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
    case "refusal":
      return "content_filter";
    default:
      // `pause_turn` (a server tool paused a long turn) and anything newer:
      // the turn ended without an error, which OpenAI callers read as "stop".
      return "stop";
  }
}
