import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultCatalog } from "../config/default-catalog.js";
import { computeCostNanoUsd } from "../usage/compute-cost.js";
import { estimateMaxCostNanoUsd } from "./estimate-max-cost-nano-usd.js";

describe("estimateMaxCostNanoUsd", () => {
  const pricing = {
    inputMicroUsdPerMtok: 3_000_000,
    outputMicroUsdPerMtok: 15_000_000,
    cachedInputMicroUsdPerMtok: 300_000,
    cacheWriteMicroUsdPerMtok: 3_750_000,
  };

  it("prices every prompt token as input and the whole output allowance as output", () => {
    // 1,000 x $3 + 4,096 x $15 per million tokens = $0.003 + $0.06144
    expect(estimateMaxCostNanoUsd(1_000, 4_096, pricing)).toBe(3_000_000 + 61_440_000);
    expect(estimateMaxCostNanoUsd(0, 0, pricing)).toBe(0);
  });

  it("holds every prompt token at the cache-write price of the longest TTL a request may write", () => {
    // 1,000 x $3.75 (5m write) or x $6 (1h write, twice the input) + 10 x $15 per million tokens
    expect(estimateMaxCostNanoUsd(1_000, 10, pricing, "5m")).toBe(3_750_000 + 150_000);
    expect(estimateMaxCostNanoUsd(1_000, 10, pricing, "1h")).toBe(6_000_000 + 150_000);
    expect(estimateMaxCostNanoUsd(1_000, 10, pricing, "none")).toBe(3_000_000 + 150_000);
    // The worst booking of a 1h-marked request: every prompt token written for an hour.
    const worst = computeCostNanoUsd(
      {
        inputTokens: 1_000,
        outputTokens: 10,
        cachedInputTokens: 0,
        cacheWriteInputTokens: 1_000,
        cacheWrite1hInputTokens: 1_000,
      },
      pricing,
    );
    expect(estimateMaxCostNanoUsd(1_000, 10, pricing, "1h")).toBeGreaterThanOrEqual(worst);
  });

  it("is never below what a request within those tokens books, for every catalog chat model", () => {
    const models = Object.values(defaultCatalog()).filter((model) => model.kind === "chat");
    expect(models.length).toBeGreaterThan(3);
    fc.assert(
      fc.property(
        fc.constantFrom(...models),
        fc.nat(2_000_000),
        fc.nat(128_000),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (model, promptTokens, maxOutputTokens, usedInput, cachedShare, usedOutput) => {
          const inputTokens = Math.floor(promptTokens * usedInput);
          const usage = {
            inputTokens,
            cachedInputTokens: Math.floor(inputTokens * cachedShare),
            cacheWriteInputTokens: 0,
            outputTokens: Math.floor(maxOutputTokens * usedOutput),
          };
          const max = estimateMaxCostNanoUsd(promptTokens, maxOutputTokens, model.pricing);
          // Booking rounds fresh and cached input apart: at most 1 nano-USD above one rounding of both.
          expect(computeCostNanoUsd(usage, model.pricing)).toBeLessThanOrEqual(max + 1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("rejects token counts that are not non-negative integers", () => {
    expect(() => estimateMaxCostNanoUsd(-1, 10, pricing)).toThrow(RangeError);
    expect(() => estimateMaxCostNanoUsd(10, 1.5, pricing)).toThrow("maxOutputTokens");
  });
});
