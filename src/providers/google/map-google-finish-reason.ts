import type { FinishReason } from "../../core/chat.js";

/**
 * Gemini's `finishReason` as OpenAI's. Gemini ends a tool-calling turn with
 * STOP, so the caller says whether function calls were present.
 */
export function mapGoogleFinishReason(
  finishReason: string | null | undefined,
  hasFunctionCalls: boolean,
): FinishReason {
  switch (finishReason) {
    case "MAX_TOKENS":
      return "length";
    case "SAFETY":
    case "RECITATION":
    case "BLOCKLIST":
    case "PROHIBITED_CONTENT":
    case "SPII":
    case "IMAGE_SAFETY":
    case "IMAGE_PROHIBITED_CONTENT":
      return "content_filter";
    // STOP, and reasons OpenAI has no word for (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL).
    default:
      return hasFunctionCalls ? "tool_calls" : "stop";
  }
}
