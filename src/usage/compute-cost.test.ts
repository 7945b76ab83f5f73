import { describe, expect, it } from "vitest";
import { computeCostNanoUsd } from "./compute-cost.js";

const sonnet = {
  inputMicroUsdPerMtok: 3_000_000,
  outputMicroUsdPerMtok: 15_000_000,
  cachedInputMicroUsdPerMtok: 300_000,
  cacheWriteMicroUsdPerMtok: 3_750_000,
};

describe("computeCostNanoUsd", () => {
  it("prices fresh input, cache reads, cache writes and output each at their own rate", () => {
    const cost = computeCostNanoUsd(
      { inputTokens: 1_000, outputTokens: 200, cachedInputTokens: 300, cacheWriteInputTokens: 100 },
      sonnet,
    );
    // 600 x $3 + 300 x $0.30 + 100 x $3.75 + 200 x $15, per million tokens
    expect(cost).toBe(1_800_000 + 90_000 + 375_000 + 3_000_000);
  });

  it("prices 1-hour cache writes at their own rate, twice the input price by Anthropic's rule when unset", () => {
    const usage = {
      inputTokens: 3_000,
      outputTokens: 0,
      cachedInputTokens: 0,
      cacheWriteInputTokens: 3_000,
      cacheWrite1hInputTokens: 2_000,
    };
    // 1000 x $3.75 (5m) + 2000 x $6 (1h), per million tokens
    expect(computeCostNanoUsd(usage, sonnet)).toBe(3_750_000 + 12_000_000);
    expect(computeCostNanoUsd(usage, { ...sonnet, cacheWrite1hMicroUsdPerMtok: 7_000_000 })).toBe(
      3_750_000 + 14_000_000,
    );
  });

  it("rounds each part half up to a nano-USD and stays exact over a million bookings", () => {
    // $0.000375 / MTok: one token is 0.375 nano-USD.
    const tiny = { ...sonnet, inputMicroUsdPerMtok: 375, outputMicroUsdPerMtok: 0 };
    const input = (inputTokens: number) =>
      computeCostNanoUsd(
        { inputTokens, outputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 0 },
        tiny,
      );
    expect(input(1)).toBe(0);
    expect(input(2)).toBe(1); // 0.75 rounds up
    expect(input(4)).toBe(2); // 1.5 rounds half up
    // $0.0375 / MTok (a real cached-input price): 37.5 nano-USD a token.
    expect(
      computeCostNanoUsd(
        { inputTokens: 1, outputTokens: 0, cachedInputTokens: 1, cacheWriteInputTokens: 0 },
        {
          ...sonnet,
          cachedInputMicroUsdPerMtok: 37_500,
        },
      ),
    ).toBe(38);
    const perRequest = computeCostNanoUsd(
      { inputTokens: 1_234, outputTokens: 567, cachedInputTokens: 89, cacheWriteInputTokens: 0 },
      sonnet,
    );
    let sum = 0;
    for (let i = 0; i < 1_000_000; i++) sum += perRequest;
    expect(sum).toBe(perRequest * 1_000_000);
    expect(Number.isSafeInteger(sum)).toBe(true);
  });
});
