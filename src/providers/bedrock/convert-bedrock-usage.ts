import type { ChatUsage } from "../../core/chat.js";
import type { BedrockUsage } from "./bedrock-api.js";

/**
 * Converse's `inputTokens` counts only uncached input, as Anthropic's
 * `input_tokens` does: cache reads and writes come apart
 * (`cacheReadInputTokens`, `cacheWriteInputTokens`). OpenAI's `prompt_tokens`
 * counts all of them, so they are added back; writes are Bedrock's 5-minute ones.
 */
export function convertBedrockUsage(usage: BedrockUsage): ChatUsage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const promptTokens = (usage.inputTokens ?? 0) + cacheRead + cacheWrite;
  const completionTokens = usage.outputTokens ?? 0;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: {
      cached_tokens: cacheRead,
      cache_creation_tokens: cacheWrite,
      ...(cacheWrite > 0
        ? {
            cache_creation_token_details: {
              ephemeral_5m_input_tokens: cacheWrite,
              ephemeral_1h_input_tokens: 0,
            },
          }
        : {}),
    },
  };
}
