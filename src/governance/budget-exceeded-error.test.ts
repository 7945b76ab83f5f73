import { describe, expect, it } from "vitest";
import { budgetExceededError, formatUsd } from "./budget-exceeded-error.js";

describe("formatUsd", () => {
  it("shows cents always and sub-cent digits only where they exist", () => {
    expect(formatUsd(10_000_000_000)).toBe("$10.00");
    expect(formatUsd(31_500_000)).toBe("$0.0315");
    expect(formatUsd(42)).toBe("$0.000000042");
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(1_234_567_500_000_000)).toBe("$1,234,567.50");
  });
});

describe("budgetExceededError", () => {
  const limit = { scope: "agent" as const, period: "day" as const, limitNanoUsd: 2_000_000_000 };

  it("states the wait in hours and minutes, or seconds in the last minute", () => {
    const at = (nowMs: number) =>
      budgetExceededError({
        projectId: "acme",
        agentId: "planner",
        requestMaxCostNanoUsd: 10,
        nowMs,
        standings: [{ limit, spentNanoUsd: 2_000_000_000, reservedNanoUsd: 0 }],
      });
    expect(at(Date.UTC(2026, 2, 14, 21, 47, 30)).message).toContain("(in 2h 12m)");
    expect(at(Date.UTC(2026, 2, 14, 23, 50)).message).toContain("(in 10m)");
    const last = at(Date.UTC(2026, 2, 14, 23, 59, 18));
    expect(last.message).toContain("(in 42s)");
    expect(last.retryAfterSeconds).toBe(42);
    expect(last.details).toMatchObject({ agent_id: "planner", budget: "agent_daily" });
  });

  it("refuses to build a refusal when no standing is exceeded (a caller bug, not a message)", () => {
    expect(() =>
      budgetExceededError({
        projectId: "acme",
        agentId: "planner",
        requestMaxCostNanoUsd: 1,
        nowMs: 0,
        standings: [{ limit, spentNanoUsd: 0, reservedNanoUsd: 0 }],
      }),
    ).toThrow("at least one exceeded limit");
  });
});
