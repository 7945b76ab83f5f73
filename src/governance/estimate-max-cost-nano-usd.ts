import type { ModelPricing } from "../core/model-catalog.js";
import { computeCostNanoUsd } from "../usage/compute-cost.js";

/**
 * The most a request can cost before it is sent: every prompt token at the
 * input price and the whole output allowance at the output price, rounded
 * like a booking. Cache reads only make the real cost lower; prompt-cache
 * writes (billed above the input price by Anthropic) are the one way it can
 * come out higher, so a request that may write (`cacheWrites`: the longest
 * TTL it asks for) holds every prompt token at that write price.
 */
export function estimateMaxCostNanoUsd(
  promptTokens: number,
  maxOutputTokens: number,
  pricing: ModelPricing,
  cacheWrites: "none" | "5m" | "1h" = "none",
): number {
  for (const [name, value] of [
    ["promptTokens", promptTokens],
    ["maxOutputTokens", maxOutputTokens],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
  return computeCostNanoUsd(
    {
      inputTokens: promptTokens,
      outputTokens: maxOutputTokens,
      cachedInputTokens: 0,
      cacheWriteInputTokens: cacheWrites === "none" ? 0 : promptTokens,
      cacheWrite1hInputTokens: cacheWrites === "1h" ? promptTokens : 0,
    },
    pricing,
  );
}
