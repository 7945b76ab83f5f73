import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { usdToMicroUsd } from "../config/default-catalog.js";
import { scaleDecimal } from "./scale-decimal.js";

describe("scaleDecimal", () => {
  it("turns LiteLLM's per-token floats into exact micro-USD per Mtok", () => {
    // Float arithmetic would not do: 7.9e-7 USD per token times a million is 0.7899999999999999.
    expect(7.9e-7 * 1e6).not.toBe(0.79);
    expect(scaleDecimal(7.9e-7, 12)).toBe(790_000);
    expect(scaleDecimal(3e-6, 12)).toBe(3_000_000);
    expect(scaleDecimal(1.5e-5, 12)).toBe(15_000_000);
    expect(scaleDecimal(1.25e-7, 12)).toBe(125_000);
    expect(scaleDecimal(2.8e-8, 12)).toBe(28_000);
    expect(scaleDecimal(5.46875e-7, 12)).toBe(546_875);
    expect(scaleDecimal(0, 12)).toBe(0);
  });

  it("turns models.dev's USD per Mtok into micro-USD", () => {
    expect(scaleDecimal(0.3, 6)).toBe(300_000);
    expect(scaleDecimal(3.75, 6)).toBe(3_750_000);
    expect(scaleDecimal(0.028, 6)).toBe(28_000);
    expect(scaleDecimal(15, 6)).toBe(15_000_000);
  });

  it("rounds digits finer than a micro-USD half up", () => {
    expect(scaleDecimal(1.0000005e-6, 12)).toBe(1_000_001);
    expect(scaleDecimal(1.0000004e-6, 12)).toBe(1_000_000);
    expect(scaleDecimal(4e-13, 12)).toBe(0);
    expect(scaleDecimal(6e-13, 12)).toBe(1);
    expect(scaleDecimal(0.0000005, 6)).toBe(1);
  });

  it("refuses negative, infinite and not-a-number prices", () => {
    expect(() => scaleDecimal(-1e-6, 12)).toThrow(RangeError);
    expect(() => scaleDecimal(Number.POSITIVE_INFINITY, 12)).toThrow(RangeError);
    expect(() => scaleDecimal(Number.NaN, 6)).toThrow(RangeError);
  });

  it("gives back any micro-USD price written as USD per token, and the config file's USD per Mtok round-trips", () => {
    // Up to $100,000 per Mtok, every whole micro-USD.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000_000 }), (microUsdPerMtok) => {
        const usdPerToken = microUsdPerMtok / 1e12;
        const usdPerMtok = microUsdPerMtok / 1e6;
        expect(scaleDecimal(usdPerToken, 12)).toBe(microUsdPerMtok);
        expect(scaleDecimal(usdPerMtok, 6)).toBe(microUsdPerMtok);
        // What the import writes into the config file loads back to the same integer.
        expect(usdToMicroUsd(Number(String(usdPerMtok)))).toBe(microUsdPerMtok);
      }),
      { numRuns: 5_000 },
    );
  });

  it("agrees with the JSON text a price list wrote, whatever float arithmetic would give", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 1, max: 9 }), (digits, shift) => {
        // e.g. "123.456e-9": a decimal as a list writes it, parsed as JSON would.
        const text = `${digits}e-${shift + 6}`;
        const exact = BigInt(digits) * 10n ** 12n;
        const divisor = 10n ** BigInt(shift + 6);
        const expected = Number((exact + divisor / 2n) / divisor);
        expect(scaleDecimal(JSON.parse(text) as number, 12)).toBe(expected);
      }),
      { numRuns: 5_000 },
    );
  });
});
