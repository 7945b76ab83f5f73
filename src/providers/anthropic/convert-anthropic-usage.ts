import type { ChatUsage } from "../../core/chat.js";
import type { AnthropicUsage } from "./anthropic-api.js";

/**
 * Anthropic's `input_tokens` counts only uncached input; cache reads and
 * cache writes come apart. OpenAI's `prompt_tokens` counts all of them.
 * Thinking tokens are inside `output_tokens` and not reported apart, so no
 * `reasoning_tokens` is given rather than a guess.
 */
export function convertAnthropicUsage(usage: AnthropicUsage): ChatUsage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const promptTokens = (usage.input_tokens ?? 0) + cacheRead + cacheWrite;
  const completionTokens = usage.output_tokens ?? 0;
  // Without the TTL split (older answers) every write is a 5-minute one.
  const oneHourWrites = Math.min(cacheWrite, usage.cache_creation?.ephemeral_1h_input_tokens ?? 0);
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
              ephemeral_5m_input_tokens: cacheWrite - oneHourWrites,
              ephemeral_1h_input_tokens: oneHourWrites,
            },
          }
        : {}),
    },
  };
}

/**
 * A stream reports usage twice: `message_start` with the input counts, then
 * `message_delta` with the final output count and, on newer API versions,
 * whole-message totals of the input counts. Later non-null values win.
 */
export function mergeAnthropicUsage(
  earlier: AnthropicUsage | undefined,
  later: AnthropicUsage,
): AnthropicUsage {
  return {
    input_tokens: later.input_tokens ?? earlier?.input_tokens,
    output_tokens: later.output_tokens ?? earlier?.output_tokens,
    cache_creation_input_tokens: later.cache_creation_input_tokens ?? earlier?.cache_creation_input_tokens,
    cache_read_input_tokens: later.cache_read_input_tokens ?? earlier?.cache_read_input_tokens,
    cache_creation: later.cache_creation ?? earlier?.cache_creation,
  };
}
