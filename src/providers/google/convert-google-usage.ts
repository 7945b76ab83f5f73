import type { ChatUsage } from "../../core/chat.js";
import type { GoogleUsageMetadata } from "./google-api.js";

/**
 * Gemini's `usageMetadata` in OpenAI form. `promptTokenCount` already
 * includes the cached tokens (`cachedContentTokenCount`), as OpenAI's
 * `prompt_tokens` does; thinking tokens are billed as output, so they count
 * as completion tokens and are reported again as reasoning tokens.
 */
export function convertGoogleUsage(usage: GoogleUsageMetadata): ChatUsage {
  const promptTokens = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const reasoningTokens = usage.thoughtsTokenCount ?? 0;
  const completionTokens = (usage.candidatesTokenCount ?? 0) + reasoningTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoningTokens },
  };
}
