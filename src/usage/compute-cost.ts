import { cacheWrite1hPrice, type ModelPricing } from "../core/model-catalog.js";
import type { TokenUsage } from "../core/token-usage.js";

/**
 * Cost in integer nano-USD. Each part is priced on its own (fresh input,
 * cache reads, 5-minute and 1-hour cache writes, output): tokens x micro-USD per MTok / 1000 is
 * exact in integers up to 9e15, and each part rounds half up to a nano-USD,
 * so booking a million requests sums without float drift.
 */
export function computeCostNanoUsd(usage: TokenUsage, pricing: ModelPricing): number {
  const freshInput = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteInputTokens);
  const longWrites = Math.min(usage.cacheWrite1hInputTokens ?? 0, usage.cacheWriteInputTokens);
  return (
    partCost(freshInput, pricing.inputMicroUsdPerMtok) +
    partCost(usage.cachedInputTokens, pricing.cachedInputMicroUsdPerMtok) +
    partCost(usage.cacheWriteInputTokens - longWrites, pricing.cacheWriteMicroUsdPerMtok) +
    partCost(longWrites, cacheWrite1hPrice(pricing)) +
    partCost(usage.outputTokens, pricing.outputMicroUsdPerMtok)
  );
}

function partCost(tokens: number, microUsdPerMtok: number): number {
  // tokens * µUSD/MTok = 1e-12 USD units; / 1000 = nano-USD.
  const picoUsd = tokens * microUsdPerMtok;
  return Math.floor((picoUsd + 500) / 1000);
}

export function nanoUsdToUsd(nanoUsd: number): number {
  return nanoUsd / 1e9;
}
