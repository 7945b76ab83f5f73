import type { FinishReason } from "../../core/chat.js";

/**
 * OpenAI's finish reasons are ours; OpenAI-compatible servers add their own.
 * DeepSeek's `insufficient_system_resource` means it cut the answer short for
 * lack of capacity, which a caller handles like `length` (the text is incomplete).
 */
export function mapOpenAiFinishReason(finishReason: string | null | undefined): FinishReason {
  switch (finishReason) {
    case "stop":
    case "length":
    case "tool_calls":
    case "content_filter":
    case "function_call":
      return finishReason;
    case "insufficient_system_resource":
      return "length";
    // vLLM and Ollama say `eos` / `end_turn` where OpenAI says `stop`.
    default:
      return "stop";
  }
}
