import { describe, expect, it } from "vitest";
import { formatUsd } from "./format-usd.js";

describe("formatUsd", () => {
  it("writes tiny, whole and usual amounts in fixed-point decimal", () => {
    expect(String(3.9e-7)).toBe("3.9e-7");
    expect(formatUsd(3.9e-7)).toBe("0.00000039");
    expect(formatUsd(1e-9)).toBe("0.000000001");
    expect(formatUsd(0.00015)).toBe("0.00015");
    expect(formatUsd(0)).toBe("0");
    expect(formatUsd(12)).toBe("12");
    expect(formatUsd(1234.5)).toBe("1234.5");
  });
});
