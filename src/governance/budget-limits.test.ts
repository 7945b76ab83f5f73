import { describe, expect, it } from "vitest";
import { applicableBudgetLimits, budgetWindow, usdToNanoUsd } from "./budget-limits.js";

describe("applicableBudgetLimits", () => {
  const budgets = {
    acme: { dailyUsd: 10, agents: { planner: { monthlyUsd: 3 }, idle: {} } },
    agentsOnly: { agents: { bot: { dailyUsd: 0.5 } } },
  };

  it("lists the project's limits, then the agent's, day before month", () => {
    expect(applicableBudgetLimits(budgets, "acme", "planner")).toEqual([
      { scope: "project", period: "day", limitNanoUsd: 10_000_000_000 },
      { scope: "agent", period: "month", limitNanoUsd: 3_000_000_000 },
    ]);
    expect(applicableBudgetLimits(budgets, "agentsOnly", "bot")).toEqual([
      { scope: "agent", period: "day", limitNanoUsd: 500_000_000 },
    ]);
  });

  it("is empty where nothing is limited, including ids that are Object.prototype members", () => {
    expect(applicableBudgetLimits(budgets, "agentsOnly", "other")).toEqual([]);
    expect(applicableBudgetLimits(budgets, "unknown", "planner")).toEqual([]);
    expect(applicableBudgetLimits(budgets, "constructor", "x")).toEqual([]);
    expect(applicableBudgetLimits(budgets, "agentsOnly", "toString")).toEqual([]);
  });
});

describe("usdToNanoUsd", () => {
  it("removes float noise from config dollars", () => {
    expect(usdToNanoUsd(0.1 + 0.2)).toBe(300_000_000);
    expect(usdToNanoUsd(19.99)).toBe(19_990_000_000);
    expect(usdToNanoUsd(1_000_000)).toBe(1e15);
  });
});

describe("budgetWindow", () => {
  it("is the UTC day or calendar month, across leap days and year ends", () => {
    expect(budgetWindow("day", Date.UTC(2028, 1, 29, 23, 59, 59, 999))).toEqual({
      fromMs: Date.UTC(2028, 1, 29),
      toMs: Date.UTC(2028, 2, 1),
      label: "2028-02-29",
    });
    expect(budgetWindow("month", Date.UTC(2028, 1, 10))).toEqual({
      fromMs: Date.UTC(2028, 1, 1),
      toMs: Date.UTC(2028, 2, 1),
      label: "2028-02",
    });
    expect(budgetWindow("month", Date.UTC(2026, 11, 31, 23, 59, 59, 999))).toMatchObject({
      toMs: Date.UTC(2027, 0, 1),
      label: "2026-12",
    });
    expect(budgetWindow("day", Date.UTC(2027, 0, 1))).toMatchObject({ label: "2027-01-01" });
  });
});
