import type { ToolCallExtraContent } from "../../core/chat.js";

/**
 * Gemini 2.5 and 3 return a `thoughtSignature` on the first function-call
 * part of a step and, for Gemini 3, refuse the next turn unless it comes
 * back on that part (ai.google.dev/gemini-api/docs/thought-signatures). In
 * the OpenAI shape it rides on the tool call as
 * `extra_content.google.thought_signature`, as in Google's own OpenAI
 * compatibility layer, so callers that echo tool calls back return it too.
 */
export function googleSignatureOf(part: {
  thoughtSignature?: string | null;
}): { extra_content: ToolCallExtraContent } | Record<string, never> {
  return part.thoughtSignature
    ? { extra_content: { google: { thought_signature: part.thoughtSignature } } }
    : {};
}

/** History Gemini did not sign (another provider's answer, an edited turn) takes the documented sentinel. */
export const skipThoughtSignature = "skip_thought_signature_validator";
