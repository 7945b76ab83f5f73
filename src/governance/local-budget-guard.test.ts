import { afterEach, describe, expect, it, vi } from "vitest";
import { budgetRequest, livePolicy, refusal, runBudgetGuardContract, usd } from "./budget-guard.contract.js";
import type { SpentSince } from "./budget-guard.js";
import { LocalBudgetGuard } from "./local-budget-guard.js";

runBudgetGuardContract("local", async () => ({
  open: ({ policy, now, reservationTtlMs, spentSince, onStanding }) =>
    LocalBudgetGuard.create({
      policy,
      ...(onStanding ? { onStanding } : {}),
      now,
      spentSince: spentSince ?? (async () => 0),
      ...(reservationTtlMs ? { reservationTtlMs } : {}),
    }),
  cleanup: async () => {},
}));

describe("LocalBudgetGuard", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // What seeding counts is in the contract; this is when the local guard reads: at start, then once per window.
  it("reads today's and this month's spend from the usage store at start, for the limits that exist", async () => {
    const nowMs = Date.UTC(2026, 4, 20, 15, 30);
    const dayStart = Date.UTC(2026, 4, 20);
    const monthStart = Date.UTC(2026, 4, 1);
    const booked: Record<string, number> = {
      [`acme|*|${dayStart}`]: usd(1.5),
      [`acme|*|${monthStart}`]: usd(40),
      [`acme|planner|${monthStart}`]: usd(9.5),
    };
    const calls: Array<[string, string | undefined, number]> = [];
    const spentSince: SpentSince = async (projectId, agentId, fromMs) => {
      calls.push([projectId, agentId, fromMs]);
      return booked[`${projectId}|${agentId ?? "*"}|${fromMs}`] ?? 0;
    };
    const guard = await LocalBudgetGuard.create({
      policy: livePolicy({
        acme: { dailyUsd: 2, monthlyUsd: 50, agents: { planner: { monthlyUsd: 10 }, idle: {} } },
        unlimited: { agents: {} },
      }),
      spentSince,
      now: () => nowMs,
    });
    // Only limits that exist are read: no read for `idle` or `unlimited`, none for the planner's day.
    expect(calls.sort()).toEqual(
      [
        ["acme", undefined, dayStart],
        ["acme", undefined, monthStart],
        ["acme", "planner", monthStart],
      ].sort(),
    );
    const planner = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(0.5) + 1 }));
    expect(planner.details).toMatchObject({ budget: "agent_monthly", spent_nano_usd: usd(9.5) });
    expect(calls).toHaveLength(3); // nothing read again when serving
  });

  it("refuses to start when the seeding read fails or answers nonsense", async () => {
    const policy = livePolicy({ acme: { monthlyUsd: 5, agents: {} } });
    await expect(
      LocalBudgetGuard.create({ policy, spentSince: () => Promise.reject(new Error("disk I/O error")) }),
    ).rejects.toThrow("disk I/O error");
    await expect(LocalBudgetGuard.create({ policy, spentSince: async () => Number.NaN })).rejects.toThrow(
      /spentSince\(acme, all agents\)/,
    );
  });

  it("follows the system clock by default (fake timers across a UTC midnight)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.UTC(2026, 6, 31, 23, 59, 30));
    const guard = await LocalBudgetGuard.create({
      policy: livePolicy({ acme: { dailyUsd: 1, agents: {} } }),
      // July 31st's spend; August's day is read afresh when it starts.
      spentSince: async (_projectId, _agentId, fromMs) => (fromMs === Date.UTC(2026, 6, 31) ? usd(1) : 0),
    });
    const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
    expect(error.retryAfterSeconds).toBe(30);
    expect(error.details).toMatchObject({ resets_at: "2026-08-01T00:00:00.000Z" });
    vi.setSystemTime(Date.UTC(2026, 7, 1));
    expect((await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(1) }))).heldNanoUsd).toBe(usd(1));
  });
});
