import type { ChatUsage } from "./chat.js";

/**
 * Token counts as the gateway books them. `inputTokens` counts every prompt
 * token; `cachedInputTokens` and `cacheWriteInputTokens` are the parts of it
 * billed at the cache-read and cache-write prices.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens: number;
  /** The part of `cacheWriteInputTokens` written for 1 hour (priced higher); the rest is 5-minute. */
  cacheWrite1hInputTokens?: number;
}

export const zeroUsage: TokenUsage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteInputTokens: 0,
});

export function tokenUsageFromChatUsage(usage: ChatUsage): TokenUsage {
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteInputTokens: usage.prompt_tokens_details?.cache_creation_tokens ?? 0,
    cacheWrite1hInputTokens:
      usage.prompt_tokens_details?.cache_creation_token_details?.ephemeral_1h_input_tokens ?? 0,
  };
}
