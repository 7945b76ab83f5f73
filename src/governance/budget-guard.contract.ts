import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProjectBudget } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";
import type {
  BudgetGuard,
  BudgetReservationRequest,
  BudgetStandingChange,
  BudgetStandingListener,
  SpentSince,
} from "./budget-guard.js";
import type { GovernancePolicy } from "./governance-policy.js";

export interface BudgetGuardSetup {
  policy: GovernancePolicy;
  now: () => number;
  reservationTtlMs?: number;
  /** The usage store's spend; none booked when absent. */
  spentSince?: SpentSince;
  onStanding?: BudgetStandingListener;
}

/** Fresh shared state (a key prefix) on which guards ("replicas") can be opened, more than once. */
export interface BudgetGuardHarness {
  open(setup: BudgetGuardSetup): Promise<BudgetGuard>;
  /** Removes everything the harness created. */
  cleanup(): Promise<void>;
}

/** A policy whose budgets a test changes at runtime, as the admin API would. */
export function livePolicy(budgets: Record<string, ProjectBudget>): GovernancePolicy & {
  set(budgets: Record<string, ProjectBudget>): void;
} {
  let current = budgets;
  return {
    budgets: () => current,
    rateLimits: () => ({ projects: {} }),
    set: (next) => {
      current = next;
    },
  };
}

/** Integer nano-USD from dollars written in tests. */
export const usd = (dollars: number) => Math.round(dollars * 1e9);

let sequence = 0;

export function budgetRequest(overrides: Partial<BudgetReservationRequest> = {}): BudgetReservationRequest {
  sequence += 1;
  return {
    projectId: "acme",
    agentId: "planner",
    maxCostNanoUsd: usd(1),
    requestId: `req-${process.pid}-${sequence}`,
    ...overrides,
  };
}

/** Resolves to the refusal `reserve` threw; fails the test if it admitted. */
export async function refusal(guard: BudgetGuard, request: BudgetReservationRequest): Promise<GatewayError> {
  const error = await guard.reserve(request).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

const pause = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));

/**
 * Every guard ("replica") fires `attemptsPerGuard` concurrent requests of one
 * fixed cost at project `acme`; each admitted one settles at that cost after
 * a random pause, so the holds of one replica overlap the checks of another.
 */
export async function raceFixedCost(
  guards: BudgetGuard[],
  options: { attemptsPerGuard: number; costNanoUsd: number },
): Promise<{ admitted: number; settledNanoUsd: number }> {
  let admitted = 0;
  let settledNanoUsd = 0;
  const attempt = async (guard: BudgetGuard) => {
    const reservation = await guard
      .reserve(budgetRequest({ maxCostNanoUsd: options.costNanoUsd }))
      .catch((error: unknown) => {
        expect((error as GatewayError).code).toBe("GW_ERR_BUDGET_EXCEEDED");
        return undefined;
      });
    if (reservation === undefined) return;
    admitted += 1;
    await pause(3);
    await reservation.settle(options.costNanoUsd);
    settledNanoUsd += options.costNanoUsd;
  };
  await Promise.all(
    guards.flatMap((guard) => Array.from({ length: options.attemptsPerGuard }, () => attempt(guard))),
  );
  return { admitted, settledNanoUsd };
}

/**
 * Workers on every guard spend on one project (`acme`) until it is exhausted:
 * each request holds `maxCostNanoUsd` and settles between half of it and all
 * of it. A worker stops at a refusal once nothing is in flight. Then one
 * request at a time tops up at full cost until refused, so a hold that leaked
 * (never freed by its settle) would show as budget left unspent.
 */
export async function raceToExhaustion(
  guards: BudgetGuard[],
  options: { workersPerGuard: number; maxCostNanoUsd: number; agents: string[]; projectId?: string },
): Promise<{ settledNanoUsd: number; refusals: number }> {
  const { maxCostNanoUsd, agents, projectId = "acme" } = options;
  let inFlight = 0;
  let settledNanoUsd = 0;
  let refusals = 0;
  const attempt = (guard: BudgetGuard, agentId: string) =>
    guard.reserve(budgetRequest({ projectId, agentId, maxCostNanoUsd })).catch((error: unknown) => {
      expect((error as GatewayError).code).toBe("GW_ERR_BUDGET_EXCEEDED");
      refusals += 1;
      return undefined;
    });
  const worker = async (guard: BudgetGuard, agentId: string) => {
    for (;;) {
      const reservation = await attempt(guard, agentId);
      if (reservation === undefined) {
        if (inFlight === 0) return;
        await pause(2);
        continue;
      }
      inFlight += 1;
      await pause(3);
      const actual = maxCostNanoUsd / 2 + Math.floor(Math.random() * (maxCostNanoUsd / 2));
      await reservation.settle(actual);
      settledNanoUsd += actual;
      inFlight -= 1;
    }
  };
  await Promise.all(
    guards.flatMap((guard) =>
      Array.from({ length: options.workersPerGuard }, (_, index) =>
        worker(guard, agents[index % agents.length] as string),
      ),
    ),
  );
  const [first] = guards as [BudgetGuard];
  // Each agent in turn: one may be stopped by its own limit while the project still has room.
  for (const agentId of agents) {
    for (;;) {
      const reservation = await attempt(first, agentId);
      if (reservation === undefined) break;
      await reservation.settle(maxCostNanoUsd);
      settledNanoUsd += maxCostNanoUsd;
    }
  }
  return { settledNanoUsd, refusals };
}

/**
 * The behaviour every BudgetGuard owes its callers, run by each
 * implementation's test against its real backing state.
 */
export function runBudgetGuardContract(name: string, createHarness: () => Promise<BudgetGuardHarness>): void {
  describe(`BudgetGuard contract: ${name}`, () => {
    let harness: BudgetGuardHarness;
    const opened: BudgetGuard[] = [];
    // 2026-03-14T12:00:00Z, a Saturday in the middle of a month.
    let nowMs = Date.UTC(2026, 2, 14, 12);
    const now = () => nowMs;
    const open = async (
      budgets: Record<string, ProjectBudget> | GovernancePolicy,
      reservationTtlMs?: number,
      spentSince?: SpentSince,
      onStanding?: BudgetStandingListener,
    ) => {
      const guard = await harness.open({
        policy: "budgets" in budgets ? (budgets as GovernancePolicy) : livePolicy(budgets),
        now,
        ...(reservationTtlMs ? { reservationTtlMs } : {}),
        ...(spentSince ? { spentSince } : {}),
        ...(onStanding ? { onStanding } : {}),
      });
      opened.push(guard);
      return guard;
    };

    beforeEach(async () => {
      nowMs = Date.UTC(2026, 2, 14, 12);
      harness = await createHarness();
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((guard) => guard.close()));
      await harness.cleanup();
    });

    it("admits anything for a project or agent without a limit and holds nothing", async () => {
      const guard = await open({
        other: { dailyUsd: 1, agents: {} },
        acme: { agents: { coder: { dailyUsd: 1 } } },
      });
      const reservation = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(1_000_000) }));
      expect(reservation.heldNanoUsd).toBe(0);
      await reservation.settle(usd(1_000_000));
      const unlimited = await guard.reserve(
        budgetRequest({ projectId: "nobody", maxCostNanoUsd: usd(5_000) }),
      );
      expect(unlimited.heldNanoUsd).toBe(0);
      // The limited agent of the same project is still untouched by the planner's spend.
      const coder = await guard.reserve(budgetRequest({ agentId: "coder", maxCostNanoUsd: usd(1) }));
      expect(coder.heldNanoUsd).toBe(usd(1));
    });

    it("admits up to the daily limit exactly and refuses the request that would pass it", async () => {
      const guard = await open({ acme: { dailyUsd: 10, agents: {} } });
      for (let i = 0; i < 3; i++)
        await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(3) }))).settle(usd(3));
      const last = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(1) })); // exactly $10
      await last.settle(usd(1));
      const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      expect(error.code).toBe("GW_ERR_BUDGET_EXCEEDED");
      expect(error.status).toBe(429);
      expect(error.message).toContain('daily (UTC day) budget of project "acme" is $10.00');
      expect(error.message).toContain("$10.00 is spent");
      expect(error.message).toContain("resets at 2026-03-15T00:00:00.000Z (in 12h 0m)");
      expect(error.message).toContain("budgets.projects.acme.daily_usd");
      expect(error.retryAfterSeconds).toBe(12 * 3600);
      expect(error.details).toMatchObject({
        budget: "project_daily",
        scope: "project",
        period: "day",
        project_id: "acme",
        limit_usd: 10,
        spent_usd: 10,
        reserved_usd: 0,
        limit_nano_usd: usd(10),
        spent_nano_usd: usd(10),
        request_max_cost_nano_usd: 1,
        resets_at: "2026-03-15T00:00:00.000Z",
        reason: "limit_reached",
        exceeded: ["project_daily"],
      });
    });

    it("counts what requests in flight hold, and frees it on release", async () => {
      const guard = await open({ acme: { dailyUsd: 10, agents: {} } });
      const first = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(4) }));
      await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(4) }));
      const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(2.5) }));
      expect(error.message).toContain("$0.00 is spent and $8.00 is held by requests in flight");
      expect(error.message).toContain("could cost up to $2.50");
      expect(error.details).toMatchObject({ spent_nano_usd: 0, reserved_nano_usd: usd(8) });
      await first.release();
      await first.release();
      await first.settle(usd(4)); // after release: the outcome is already reported, nothing counts
      const admitted = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(2.5) }));
      expect(admitted.heldNanoUsd).toBe(usd(2.5));
      await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(3.5) + 1 }));
    });

    it("settles to the real cost, so what the estimate over-held becomes free again", async () => {
      const guard = await open({ acme: { dailyUsd: 10, agents: {} } });
      const reservation = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(9) }));
      await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(2) }));
      await reservation.settle(usd(0.25));
      await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(9.75) }));
      const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      expect(error.details).toMatchObject({ spent_nano_usd: usd(0.25), reserved_nano_usd: usd(9.75) });
    });

    it("counts a request id once: settling twice, or replaying a settled id, adds nothing", async () => {
      const guard = await open({ acme: { dailyUsd: 10, agents: {} } });
      const request = budgetRequest({ maxCostNanoUsd: usd(2) });
      const reservation = await guard.reserve(request);
      await Promise.all([reservation.settle(usd(2)), reservation.settle(usd(2)), reservation.settle(usd(2))]);
      // A replay of the same request id (a retried handler, a second replica) holds, then settles to nothing.
      const replay = await guard.reserve(request);
      await replay.settle(usd(2));
      const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(8) + 1 }));
      expect(error.details).toMatchObject({ spent_nano_usd: usd(2), reserved_nano_usd: 0 });
    });

    it("holds an id once while it is in flight, however often it is reserved", async () => {
      const guard = await open({ acme: { dailyUsd: 10, agents: {} } });
      const request = budgetRequest({ maxCostNanoUsd: usd(6) });
      const [first, second] = await Promise.all([guard.reserve(request), guard.reserve(request)]);
      expect(first.heldNanoUsd).toBe(usd(6));
      expect(second.heldNanoUsd).toBe(usd(6));
      const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(4) + 1 }));
      expect(error.details).toMatchObject({ reserved_nano_usd: usd(6) });
      await first.settle(usd(6));
      await second.settle(usd(6));
      const after = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(4) + 1 }));
      expect(after.details).toMatchObject({ spent_nano_usd: usd(6), reserved_nano_usd: 0 });
    });

    it("lets a hold lapse after the reservation TTL, and still counts its late settle", async () => {
      const guard = await open({ acme: { dailyUsd: 10, agents: {} } }, 60_000);
      const crashed = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(10) }));
      await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      nowMs += 59_999;
      await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      nowMs += 1;
      const after = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(4) }));
      expect(after.heldNanoUsd).toBe(usd(4));
      // A request that outlived its hold still cost money: its settle counts.
      await crashed.settle(usd(3));
      const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(3) + 1 }));
      expect(error.details).toMatchObject({ spent_nano_usd: usd(3), reserved_nano_usd: usd(4) });
    });

    it("resets the daily budget at 00:00 UTC, and the monthly one only at the first of the month", async () => {
      nowMs = Date.UTC(2026, 1, 28, 23, 59, 59, 999); // last ms of February 2026
      const guard = await open({ acme: { dailyUsd: 5, monthlyUsd: 8, agents: {} } });
      await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(5) }))).settle(usd(5));
      const daily = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      expect(daily.details).toMatchObject({ budget: "project_daily", resets_at: "2026-03-01T00:00:00.000Z" });
      expect(daily.retryAfterSeconds).toBe(1); // 1 ms left, rounded up to a whole second
      nowMs += 1; // 2026-03-01T00:00:00.000Z: a new day and a new month
      await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(5) }))).settle(usd(5));
      nowMs = Date.UTC(2026, 2, 2, 0, 0, 0, 0); // a new day, same month
      await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(3) }))).settle(usd(3));
      const monthly = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      expect(monthly.message).toContain('monthly (UTC calendar month) budget of project "acme" is $8.00');
      expect(monthly.message).toContain("$8.00 is spent");
      expect(monthly.message).toContain("resets at 2026-04-01T00:00:00.000Z");
      expect(monthly.details).toMatchObject({ budget: "project_monthly", spent_nano_usd: usd(8) });
      expect(monthly.retryAfterSeconds).toBe(30 * 86_400);
      nowMs = Date.UTC(2026, 3, 1); // April
      expect((await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(5) }))).heldNanoUsd).toBe(usd(5));
    });

    it("counts what the usage store booked earlier in the window: after a restart, or a budget added mid-month", async () => {
      const dayStart = Date.UTC(2026, 2, 14);
      const monthStart = Date.UTC(2026, 2, 1);
      const booked: Record<string, number> = {
        [`acme|*|${dayStart}`]: usd(1.5),
        [`acme|*|${monthStart}`]: usd(40),
        [`acme|planner|${monthStart}`]: usd(9.5),
      };
      const guard = await open(
        { acme: { dailyUsd: 2, monthlyUsd: 50, agents: { planner: { monthlyUsd: 10 } } } },
        undefined,
        async (projectId, agentId, fromMs) => booked[`${projectId}|${agentId ?? "*"}|${fromMs}`] ?? 0,
      );
      const planner = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(0.5) + 1 }));
      expect(planner.details).toMatchObject({ budget: "agent_monthly", spent_nano_usd: usd(9.5) });
      const daily = await refusal(guard, budgetRequest({ agentId: "coder", maxCostNanoUsd: usd(0.5) + 1 }));
      expect(daily.details).toMatchObject({ budget: "project_daily", spent_nano_usd: usd(1.5) });
      // Settles add to what was booked before.
      await (await guard.reserve(budgetRequest({ agentId: "coder", maxCostNanoUsd: usd(0.5) }))).settle(
        usd(0.5),
      );
      const spentOut = await refusal(guard, budgetRequest({ agentId: "coder", maxCostNanoUsd: 1 }));
      expect(spentOut.details).toMatchObject({ budget: "project_daily", spent_nano_usd: usd(2) });
    });

    it("names the budget that blocks longest when a day and a month are both used up", async () => {
      const guard = await open({ acme: { dailyUsd: 2, monthlyUsd: 2, agents: {} } });
      await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(2) }))).settle(usd(2));
      const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      // Tomorrow's reset would not help: the month is what blocks, until April.
      expect(error.details).toMatchObject({
        budget: "project_monthly",
        resets_at: "2026-04-01T00:00:00.000Z",
        exceeded: ["project_daily", "project_monthly"],
      });
      expect(error.retryAfterSeconds).toBe((Date.UTC(2026, 3, 1) - nowMs) / 1000);
      nowMs = Date.UTC(2026, 3, 1);
      await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(2) }));
    });

    it("applies an agent's own limits inside its project's limits", async () => {
      const guard = await open({
        acme: {
          dailyUsd: 5,
          agents: { planner: { dailyUsd: 2, monthlyUsd: 3 }, coder: { monthlyUsd: 100 } },
        },
      });
      await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(2) }))).settle(usd(2));
      const agentDaily = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      expect(agentDaily.message).toContain(
        'daily (UTC day) budget of agent "planner" in project "acme" is $2.00',
      );
      expect(agentDaily.message).toContain("budgets.projects.acme.agents.planner.daily_usd");
      expect(agentDaily.details).toMatchObject({
        budget: "agent_daily",
        agent_id: "planner",
        spent_nano_usd: usd(2),
      });
      // Other agents spend from the project's remaining $3.
      await (await guard.reserve(budgetRequest({ agentId: "coder", maxCostNanoUsd: usd(2) }))).settle(usd(2));
      const reviewer = await guard.reserve(budgetRequest({ agentId: "reviewer", maxCostNanoUsd: usd(1) }));
      const project = await refusal(guard, budgetRequest({ agentId: "coder", maxCostNanoUsd: 1 }));
      expect(project.message).toContain('budget of project "acme" is $5.00');
      expect(project.details).toMatchObject({
        budget: "project_daily",
        spent_nano_usd: usd(4),
        reserved_nano_usd: usd(1),
      });
      expect(project.details?.agent_id).toBeUndefined();
      await reviewer.release();
      // Next day: the planner's own month ($3) is what stops it now.
      nowMs += 86_400_000;
      await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(1) }))).settle(usd(1));
      const agentMonthly = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      expect(agentMonthly.details).toMatchObject({ budget: "agent_monthly", spent_nano_usd: usd(3) });
    });

    it("says a request alone larger than the whole budget cannot be helped by waiting", async () => {
      const guard = await open({ acme: { dailyUsd: 1, agents: {} } });
      const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(1.5) }));
      expect(error.message).toContain("this request could cost up to $1.50, more than the whole daily");
      expect(error.message).toContain("Lower max_tokens");
      expect(error.retryAfterSeconds).toBeUndefined();
      expect(error.details).toMatchObject({ reason: "request_exceeds_limit" });
    });

    it("books a settle above the estimate as it is, and refuses what follows", async () => {
      const guard = await open({ acme: { dailyUsd: 1, agents: {} } });
      await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(0.5) }))).settle(usd(1.25));
      const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: 0 }));
      expect(error.details).toMatchObject({ spent_nano_usd: usd(1.25) });
    });

    it("keeps many concurrent requests within the budget: exactly floor(limit / cost) admitted", async () => {
      const guard = await open({ acme: { dailyUsd: 1, agents: {} } });
      const { admitted, settledNanoUsd } = await raceFixedCost([guard], {
        attemptsPerGuard: 100,
        costNanoUsd: usd(0.03),
      });
      expect(admitted).toBe(33);
      expect(settledNanoUsd).toBe(usd(0.99));
      const exhausted = await open({ other: { dailyUsd: 1, agents: { planner: { dailyUsd: 0.6 } } } });
      const race = await raceToExhaustion([exhausted], {
        workersPerGuard: 12,
        maxCostNanoUsd: usd(0.04),
        agents: ["planner", "coder"],
        projectId: "other",
      });
      expect(race.settledNanoUsd).toBeLessThanOrEqual(usd(1));
      expect(race.settledNanoUsd).toBeGreaterThan(usd(1) - usd(0.04));
    });

    describe("budgets changed at runtime", () => {
      /** The usage store as the guard sees it: what was settled, whatever the budgets said then. */
      const store = (initialNanoUsd = 0) => {
        const state = { bookedNanoUsd: initialNanoUsd };
        const spentSince: SpentSince = async (projectId, agentId) =>
          projectId === "acme" && agentId === undefined ? state.bookedNanoUsd : 0;
        const spend = async (guard: BudgetGuard, costNanoUsd: number) => {
          await (await guard.reserve(budgetRequest({ maxCostNanoUsd: costNanoUsd }))).settle(costNanoUsd);
          state.bookedNanoUsd += costNanoUsd;
        };
        return { state, spentSince, spend };
      };

      it("applies a lowered budget from the next request, and a raised one too", async () => {
        const policy = livePolicy({ acme: { dailyUsd: 10, agents: {} } });
        const guard = await open(policy);
        await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(6) }))).settle(usd(6));
        policy.set({ acme: { dailyUsd: 5, agents: {} } });
        const lowered = await refusal(guard, budgetRequest({ maxCostNanoUsd: 0 }));
        expect(lowered.details).toMatchObject({
          budget: "project_daily",
          limit_nano_usd: usd(5),
          spent_nano_usd: usd(6),
        });
        policy.set({ acme: { dailyUsd: 20, agents: {} } });
        expect((await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(14) }))).heldNanoUsd).toBe(usd(14));
        await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
      });

      it("counts the spend booked earlier in the month when a budget is added mid-month", async () => {
        const { spentSince, spend } = store(usd(40));
        const policy = livePolicy({});
        const guard = await open(policy, undefined, spentSince);
        await spend(guard, usd(2)); // no budget yet: admitted, booked by the usage store
        policy.set({ acme: { monthlyUsd: 45, agents: { planner: { dailyUsd: 100 } } } });
        const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(3) + 1 }));
        expect(error.details).toMatchObject({ budget: "project_monthly", spent_nano_usd: usd(42) });
        await (await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(3) }))).settle(usd(3));
        const full = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
        expect(full.details).toMatchObject({ spent_nano_usd: usd(45) });
      });

      it("admits freely once a budget is removed, and counts what was spent meanwhile when it is set again", async () => {
        const { spentSince, spend } = store();
        const policy = livePolicy({ acme: { dailyUsd: 5, agents: {} } });
        const guard = await open(policy, undefined, spentSince);
        await spend(guard, usd(5));
        await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
        policy.set({});
        expect((await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(50) }))).heldNanoUsd).toBe(0);
        await spend(guard, usd(3));
        policy.set({ acme: { dailyUsd: 10, agents: {} } });
        const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: usd(2) + 1 }));
        expect(error.details).toMatchObject({ spent_nano_usd: usd(8), reserved_nano_usd: 0 });
      });

      it("holds a lowered budget for requests already in flight: their holds count against it", async () => {
        const policy = livePolicy({ acme: { dailyUsd: 10, agents: {} } });
        const guard = await open(policy);
        const inFlight = await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(4) }));
        policy.set({ acme: { dailyUsd: 4, agents: {} } });
        const error = await refusal(guard, budgetRequest({ maxCostNanoUsd: 1 }));
        expect(error.details).toMatchObject({ reserved_nano_usd: usd(4), limit_nano_usd: usd(4) });
        await inFlight.settle(usd(1));
        expect((await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(3) }))).heldNanoUsd).toBe(usd(3));
      });
    });

    describe("a managed key's own budget", () => {
      const key = (limits: { dailyUsd?: number; monthlyUsd?: number } | undefined) => ({
        keyId: "key_contract01",
        keyName: "ci-bot",
        ...(limits ? { limits } : {}),
      });

      it("spans every project the key acts for, and names the key (never a secret) when it refuses", async () => {
        const guard = await open({ acme: { dailyUsd: 100, agents: {} } });
        const bot = key({ dailyUsd: 2, monthlyUsd: 50 });
        await (await guard.reserve(budgetRequest({ key: bot, maxCostNanoUsd: usd(1.5) }))).settle(usd(1.5));
        const other = await guard.reserve(
          budgetRequest({ projectId: "other", key: bot, maxCostNanoUsd: usd(0.25) }),
        );
        expect(other.heldNanoUsd).toBe(usd(0.25));
        const error = await refusal(
          guard,
          budgetRequest({ projectId: "third", key: bot, maxCostNanoUsd: usd(0.25) + 1 }),
        );
        expect(error.code).toBe("GW_ERR_BUDGET_EXCEEDED");
        expect(error.message).toContain('daily (UTC day) budget of client key "ci-bot"');
        expect(error.message).toContain("$1.50 is spent and $0.25 is held");
        expect(error.details).toMatchObject({
          budget: "key_daily",
          scope: "key",
          key_name: "ci-bot",
          key_id: "key_contract01",
          limit_nano_usd: usd(2),
          spent_nano_usd: usd(1.5),
          reserved_nano_usd: usd(0.25),
          resets_at: "2026-03-15T00:00:00.000Z",
        });
        // A request without the key is not bound by its budget.
        await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(5) }));
      });

      it("releases the project's hold when the key refuses after the project held", async () => {
        const guard = await open({ acme: { dailyUsd: 10, agents: {} } });
        const error = await refusal(
          guard,
          budgetRequest({ key: key({ dailyUsd: 1 }), maxCostNanoUsd: usd(2) }),
        );
        expect(error.details).toMatchObject({ budget: "key_daily" });
        // Had the project kept the $2, this $10 request would not fit.
        expect((await guard.reserve(budgetRequest({ maxCostNanoUsd: usd(10) }))).heldNanoUsd).toBe(usd(10));
      });

      it("applies a key budget changed between requests (the principal carries the current one)", async () => {
        const guard = await open({});
        await (await guard.reserve(budgetRequest({ key: key(undefined), maxCostNanoUsd: 0 }))).settle(usd(3));
        // A budget set after the key spent $3 counts that spend.
        const error = await refusal(
          guard,
          budgetRequest({ key: key({ monthlyUsd: 4 }), maxCostNanoUsd: usd(1) + 1 }),
        );
        expect(error.details).toMatchObject({ budget: "key_monthly", spent_nano_usd: usd(3) });
        await guard.reserve(budgetRequest({ key: key({ monthlyUsd: 5 }), maxCostNanoUsd: usd(2) }));
      });

      it("counts a key's request id once", async () => {
        const guard = await open({});
        const request = budgetRequest({ key: key({ dailyUsd: 10 }), maxCostNanoUsd: usd(4) });
        const reservation = await guard.reserve(request);
        await Promise.all([reservation.settle(usd(4)), reservation.settle(usd(4))]);
        await (await guard.reserve(request)).settle(usd(4)); // a replay
        const error = await refusal(
          guard,
          budgetRequest({ key: key({ dailyUsd: 10 }), maxCostNanoUsd: usd(6) + 1 }),
        );
        expect(error.details).toMatchObject({ spent_nano_usd: usd(4), reserved_nano_usd: 0 });
      });
    });

    it("reports each budget period's standing: limit, spent, held, reset", async () => {
      const guard = await open({
        acme: { dailyUsd: 10, monthlyUsd: 100, agents: { planner: { dailyUsd: 4 } } },
      });
      const bot = { keyId: "key_contract02", keyName: "bot", limits: { monthlyUsd: 20 } };
      await (await guard.reserve(budgetRequest({ key: bot, maxCostNanoUsd: usd(2) }))).settle(usd(1.5));
      await guard.reserve(budgetRequest({ agentId: "coder", key: bot, maxCostNanoUsd: usd(1) }));
      const day = Date.UTC(2026, 2, 15);
      const month = Date.UTC(2026, 3, 1);
      expect(
        await guard.standings({ scope: "project", projectId: "acme" }, { dailyUsd: 10, monthlyUsd: 100 }),
      ).toEqual([
        {
          period: "day",
          limitNanoUsd: usd(10),
          spentNanoUsd: usd(1.5),
          heldNanoUsd: usd(1),
          resetsAtMs: day,
        },
        {
          period: "month",
          limitNanoUsd: usd(100),
          spentNanoUsd: usd(1.5),
          heldNanoUsd: usd(1),
          resetsAtMs: month,
        },
      ]);
      expect(
        await guard.standings({ scope: "agent", projectId: "acme", agentId: "planner" }, { dailyUsd: 4 }),
      ).toEqual([
        { period: "day", limitNanoUsd: usd(4), spentNanoUsd: usd(1.5), heldNanoUsd: 0, resetsAtMs: day },
      ]);
      expect(await guard.standings({ scope: "key", keyId: bot.keyId }, bot.limits)).toEqual([
        {
          period: "month",
          limitNanoUsd: usd(20),
          spentNanoUsd: usd(1.5),
          heldNanoUsd: usd(1),
          resetsAtMs: month,
        },
      ]);
      expect(
        await guard.standings({ scope: "agent", projectId: "acme", agentId: "coder" }, undefined),
      ).toEqual([]);
      expect(await guard.standings({ scope: "project", projectId: "nobody" }, {})).toEqual([]);
      // A limit the guard never used yet (set a moment ago, say) reads the usage store's spend.
      expect(await guard.standings({ scope: "project", projectId: "other" }, { monthlyUsd: 1 })).toEqual([
        { period: "month", limitNanoUsd: usd(1), spentNanoUsd: 0, heldNanoUsd: 0, resetsAtMs: month },
      ]);
    });

    it("tells each budget's standing after a settle counts against it, and the refusing budget's", async () => {
      const changes: BudgetStandingChange[] = [];
      const guard = await open(
        { acme: { dailyUsd: 10, agents: { planner: { monthlyUsd: 5 } } } },
        undefined,
        undefined,
        (change) => {
          changes.push(change);
          throw new Error("a listener's failure stays its own");
        },
      );
      const key = { keyId: "key_contract03", keyName: "bot", limits: { dailyUsd: 3 } };
      const request = budgetRequest({ key, maxCostNanoUsd: usd(2) });
      await (await guard.reserve(request)).settle(usd(2));
      const day = Date.UTC(2026, 2, 15);
      const month = Date.UTC(2026, 3, 1);
      expect(changes).toEqual([
        {
          scope: "project",
          projectId: "acme",
          period: "day",
          limitNanoUsd: usd(10),
          spentNanoUsd: usd(2),
          resetsAt: day,
        },
        {
          scope: "agent",
          projectId: "acme",
          agentId: "planner",
          period: "month",
          limitNanoUsd: usd(5),
          spentNanoUsd: usd(2),
          resetsAt: month,
        },
        {
          scope: "key",
          keyId: key.keyId,
          keyName: "bot",
          period: "day",
          limitNanoUsd: usd(3),
          spentNanoUsd: usd(2),
          resetsAt: day,
        },
      ]);
      changes.length = 0;
      // A replay counts nothing, tells nothing.
      await (await guard.reserve({ ...request, maxCostNanoUsd: usd(1) })).settle(usd(2));
      expect(changes).toEqual([]);
      await refusal(guard, budgetRequest({ key, maxCostNanoUsd: usd(1.5) }));
      expect(changes).toEqual([
        {
          scope: "key",
          keyId: key.keyId,
          keyName: "bot",
          period: "day",
          limitNanoUsd: usd(3),
          spentNanoUsd: usd(2),
          resetsAt: day,
          refused: true,
        },
      ]);
    });

    it("rejects amounts that are not non-negative safe integers of nano-USD", async () => {
      const guard = await open({ acme: { dailyUsd: 1, agents: {} } });
      await expect(guard.reserve(budgetRequest({ maxCostNanoUsd: -1 }))).rejects.toThrow(RangeError);
      await expect(guard.reserve(budgetRequest({ maxCostNanoUsd: 0.5 }))).rejects.toThrow(RangeError);
      const reservation = await guard.reserve(budgetRequest({ maxCostNanoUsd: 10 }));
      await expect(reservation.settle(Number.NaN)).rejects.toThrow(RangeError);
      await reservation.settle(7);
    });
  });
}
