import type { BudgetLimits } from "../config/gateway-config.js";
import { budgetExceededError, exceeds } from "./budget-exceeded-error.js";
import {
  type BudgetGuard,
  type BudgetKey,
  type BudgetReservation,
  type BudgetReservationRequest,
  type BudgetStandingListener,
  defaultReservationTtlMs,
  onceReservation,
  type PeriodStanding,
  type SpentSince,
  standingChange,
  tellStanding,
  unlimitedReservation,
} from "./budget-guard.js";
import {
  applicableBudgetLimits,
  assertNanoUsd,
  type BudgetLimit,
  type BudgetPeriod,
  budgetWindow,
  scopeBudgetLimits,
} from "./budget-limits.js";
import type { GovernancePolicy } from "./governance-policy.js";
import { type KeySpendLedger, memoryKeySpendLedger } from "./key-spend-ledger.js";
import type { SpendScope } from "./spend-reader.js";

export interface LocalBudgetGuardOptions {
  /** Asked on every reserve and settle: a budget changed at runtime applies to the next request. */
  policy: GovernancePolicy;
  /** The usage store's spend: seeds a project's or agent's counter the first time a budget needs it. */
  spentSince: SpentSince;
  /**
   * Managed keys' spend: every settle of a request with a key books into it, and a key budget's
   * counter is seeded from it. Without one, key spend is kept in memory only.
   */
  keySpend?: KeySpendLedger;
  reservationTtlMs?: number;
  /** Told each budget's standing after a settle counts against it, and each refusing budget's. */
  onStanding?: BudgetStandingListener;
  /** How long a settled request id is remembered, so settling it again counts nothing. Default 24 h. */
  settledIdTtlMs?: number;
  /** Epoch ms; UTC windows and holds follow it. */
  now?: () => number;
  /**
   * Told the project (or project and agent, joined by U+001F) whose spend a counter started to
   * count: from then on every settle of its requests must reach this guard, budget or not.
   */
  onCounting?: (scope: string) => void;
}

interface Hold {
  projectId: string;
  agentId: string;
  keyId: string | undefined;
  amount: number;
  expiresAt: number;
}

/** A counter of one scope and period: where it is kept, and how to seed it. */
interface Counter {
  key: string;
  period: BudgetPeriod;
  seed: (fromMs: number) => Promise<number>;
  /** A project's or agent's counter: its scope as `onCounting` names it. */
  scope?: string;
}

/**
 * Budgets in this process's memory: the single-replica default. Checks and
 * holds are synchronous, so concurrent requests cannot overspend. Nothing
 * remote is involved on the check itself, so it cannot fail open or closed;
 * a counter's first read of the usage store (or key ledger) that fails
 * rejects the reserve, as the gateway must not spend against a budget it
 * cannot know.
 *
 * Spent counters are seeded lazily, the first time a budget needs them in a
 * UTC window (a budget added at runtime counts what was booked before it),
 * then follow settles. A settle adds to every counter of its project, agent
 * and key that exists, limited now or not, so a budget removed and set again
 * still counts what was spent in between.
 */
export class LocalBudgetGuard implements BudgetGuard {
  readonly #policy: GovernancePolicy;
  readonly #spentSince: SpentSince;
  readonly #keySpend: KeySpendLedger;
  readonly #onStanding: BudgetStandingListener | undefined;
  readonly #reservationTtlMs: number;
  readonly #settledIdTtlMs: number;
  readonly #now: () => number;
  readonly #onCounting: ((scope: string) => void) | undefined;
  /** Per scope and period: the window it counts and the nano-USD spent in it. */
  readonly #spent = new Map<string, { label: string; nanoUsd: number }>();
  /** Seeds in flight, so concurrent first requests read the store once. */
  readonly #seeding = new Map<string, Promise<void>>();
  /** Nano-USD held per scope (project, project + agent, key). */
  readonly #held = new Map<string, number>();
  /** In creation order, which is expiry order since the TTL is fixed. */
  readonly #holds = new Map<string, Hold>();
  readonly #settled = new Map<string, number>();

  private constructor(options: LocalBudgetGuardOptions) {
    this.#policy = options.policy;
    this.#spentSince = options.spentSince;
    this.#keySpend = options.keySpend ?? memoryKeySpendLedger();
    this.#onStanding = options.onStanding;
    this.#reservationTtlMs = options.reservationTtlMs ?? defaultReservationTtlMs;
    this.#settledIdTtlMs = options.settledIdTtlMs ?? 86_400_000;
    this.#now = options.now ?? Date.now;
    this.#onCounting = options.onCounting;
  }

  /** Seeds the budgets configured now, so a broken usage store stops start-up rather than the first request. */
  static async create(options: LocalBudgetGuardOptions): Promise<LocalBudgetGuard> {
    const guard = new LocalBudgetGuard(options);
    const seeds: Array<Promise<void>> = [];
    for (const [projectId, budget] of Object.entries(options.policy.budgets())) {
      for (const limit of scopeBudgetLimits("project", budget))
        seeds.push(guard.#ensureSeeded(guard.#counter(projectId, "", undefined, limit)));
      for (const [agentId, limits] of Object.entries(budget.agents))
        for (const limit of scopeBudgetLimits("agent", limits))
          seeds.push(guard.#ensureSeeded(guard.#counter(projectId, agentId, undefined, limit)));
    }
    await Promise.all(seeds);
    return guard;
  }

  async reserve(request: BudgetReservationRequest): Promise<BudgetReservation> {
    const { projectId, agentId, maxCostNanoUsd, requestId, key } = request;
    assertNanoUsd(maxCostNanoUsd, "maxCostNanoUsd");
    const limits = [
      ...applicableBudgetLimits(this.#policy.budgets(), projectId, agentId),
      ...scopeBudgetLimits("key", key?.limits),
    ];
    if (limits.length === 0 && key === undefined && !this.#counts(projectId, agentId)) {
      return unlimitedReservation(requestId);
    }
    const counters = limits.map((limit) => this.#counter(projectId, agentId, key, limit));
    await Promise.all(counters.map((counter) => this.#ensureSeeded(counter)));
    // From here to the hold nothing awaits: the check and the hold are one step.
    const nowMs = this.#now();
    this.#sweep(nowMs);
    const holdKey = scopeKey(projectId, "request", requestId);
    const held = limits.length === 0 ? 0 : maxCostNanoUsd;
    if (!this.#holds.has(holdKey)) {
      const standings = limits.map((limit, index) => ({
        limit,
        spentNanoUsd: this.#spentIn((counters[index] as Counter).key, limit.period, nowMs),
        reservedNanoUsd: this.#held.get(heldKey(projectId, agentId, key, limit)) ?? 0,
      }));
      if (standings.some((standing) => exceeds(standing, maxCostNanoUsd))) {
        for (const standing of standings) {
          if (!exceeds(standing, maxCostNanoUsd)) continue;
          const resetsAt = budgetWindow(standing.limit.period, nowMs).toMs;
          tellStanding(
            this.#onStanding,
            standingChange(request, standing.limit, standing.spentNanoUsd, resetsAt, true),
          );
        }
        throw budgetExceededError({
          projectId,
          agentId,
          ...(key ? { keyName: key.keyName, keyId: key.keyId } : {}),
          requestMaxCostNanoUsd: maxCostNanoUsd,
          nowMs,
          standings,
        });
      }
      const hold = {
        projectId,
        agentId,
        keyId: key?.keyId,
        amount: held,
        expiresAt: nowMs + this.#reservationTtlMs,
      };
      this.#holds.set(holdKey, hold);
      this.#addHeld(hold, held);
    }
    return onceReservation(requestId, held, {
      settle: (actual) => this.#settleNow(request, actual),
      release: async () => this.#drop(holdKey),
    });
  }

  async standings(scope: SpendScope, budget: BudgetLimits | undefined): Promise<PeriodStanding[]> {
    const nowMs = this.#now();
    const limits = scopeBudgetLimits(scope.scope, budget);
    const projectId = scope.scope === "key" ? "" : scope.projectId;
    const agentId = scope.scope === "agent" ? scope.agentId : "";
    const key = scope.scope === "key" ? { keyId: scope.keyId, keyName: "" } : undefined;
    const counters = limits.map((limit) => this.#counter(projectId, agentId, key, limit));
    await Promise.all(counters.map((counter) => this.#ensureSeeded(counter)));
    this.#sweep(nowMs);
    return limits.map((limit, index) => ({
      period: limit.period,
      limitNanoUsd: limit.limitNanoUsd,
      spentNanoUsd: this.#spentIn((counters[index] as Counter).key, limit.period, nowMs),
      heldNanoUsd: this.#held.get(heldKey(projectId, agentId, key, limit)) ?? 0,
      resetsAtMs: budgetWindow(limit.period, nowMs).toMs,
    }));
  }

  async close(): Promise<void> {}

  #counter(projectId: string, agentId: string, key: BudgetKey | undefined, limit: BudgetLimit): Counter {
    const { period } = limit;
    if (limit.scope === "key") {
      const keyId = (key as BudgetKey).keyId;
      const ledger = this.#keySpend;
      return {
        key: keyCounterKey(keyId, period),
        period,
        seed: async (fromMs) => {
          const spent = await ledger.spent(keyId, fromMs);
          return period === "day" ? spent.dayNanoUsd : spent.monthNanoUsd;
        },
      };
    }
    const agent = limit.scope === "agent" ? agentId : undefined;
    return {
      key: scopeKey(projectId, agent ?? "", period),
      scope: scopeKey(projectId, ...(agent === undefined ? [] : [agent])),
      period,
      seed: async (fromMs) => {
        const spent = await this.#spentSince(projectId, agent, fromMs);
        assertNanoUsd(spent, `spentSince(${projectId}, ${agent ?? "all agents"})`);
        return spent;
      },
    };
  }

  /** Reads a counter's window from the store once, unless settles already started it. */
  #ensureSeeded(counter: Counter): Promise<void> {
    const window = budgetWindow(counter.period, this.#now());
    if (this.#spent.get(counter.key)?.label === window.label) return Promise.resolve();
    const seedKey = scopeKey(counter.key, window.label);
    const inFlight = this.#seeding.get(seedKey);
    if (inFlight) return inFlight;
    const seeding = counter
      .seed(window.fromMs)
      .then((nanoUsd) => {
        if (this.#spent.get(counter.key)?.label !== window.label) {
          if (counter.scope !== undefined && !this.#spent.has(counter.key)) this.#onCounting?.(counter.scope);
          this.#spent.set(counter.key, { label: window.label, nanoUsd });
        }
      })
      .finally(() => this.#seeding.delete(seedKey));
    this.#seeding.set(seedKey, seeding);
    return seeding;
  }

  async #settleNow(request: BudgetReservationRequest, actual: number): Promise<void> {
    const nowMs = this.#now();
    this.#sweep(nowMs);
    const holdKey = scopeKey(request.projectId, "request", request.requestId);
    this.#drop(holdKey);
    if (this.#settled.has(holdKey)) return;
    this.#settled.set(holdKey, nowMs + this.#settledIdTtlMs);
    const { projectId, agentId, key } = request;
    for (const period of ["day", "month"] as const) {
      this.#addSpent(scopeKey(projectId, "", period), period, actual, nowMs);
      this.#addSpent(scopeKey(projectId, agentId, period), period, actual, nowMs);
      if (key) this.#addSpent(keyCounterKey(key.keyId, period), period, actual, nowMs);
    }
    if (this.#onStanding) this.#tellSettled(request, nowMs);
    // After the memory counters, so a failing ledger never leaves the budget short of this cost.
    if (key) {
      await this.#keySpend.book({
        keyId: key.keyId,
        requestId: request.requestId,
        costNanoUsd: actual,
        atMs: nowMs,
      });
    }
  }

  /** Each budget set now that this settle counted against, as it stands after it. */
  #tellSettled(request: BudgetReservationRequest, nowMs: number): void {
    const { projectId, agentId, key } = request;
    const limits = [
      ...applicableBudgetLimits(this.#policy.budgets(), projectId, agentId),
      ...scopeBudgetLimits("key", key?.limits),
    ];
    for (const limit of limits) {
      const counterKey = this.#counter(projectId, agentId, key, limit).key;
      if (!this.#spent.has(counterKey)) continue;
      const spent = this.#spentIn(counterKey, limit.period, nowMs);
      tellStanding(
        this.#onStanding,
        standingChange(request, limit, spent, budgetWindow(limit.period, nowMs).toMs),
      );
    }
  }

  /** Counters not seeded yet are left alone: their first use reads the store, which has this cost. */
  #addSpent(counterKey: string, period: BudgetPeriod, actual: number, nowMs: number): void {
    const entry = this.#spent.get(counterKey);
    if (entry === undefined) return;
    const label = budgetWindow(period, nowMs).label;
    // A counter of an earlier day or month is a new window's zero.
    this.#spent.set(counterKey, { label, nanoUsd: (entry.label === label ? entry.nanoUsd : 0) + actual });
  }

  /** Whether a counter of the project or agent exists: a budget once set, which settles must keep current. */
  #counts(projectId: string, agentId: string): boolean {
    if (this.#spent.size === 0) return false;
    return (["day", "month"] as const).some(
      (period) =>
        this.#spent.has(scopeKey(projectId, "", period)) ||
        this.#spent.has(scopeKey(projectId, agentId, period)),
    );
  }

  #spentIn(key: string, period: BudgetPeriod, nowMs: number): number {
    const entry = this.#spent.get(key);
    return entry?.label === budgetWindow(period, nowMs).label ? entry.nanoUsd : 0;
  }

  #drop(holdKey: string): void {
    const hold = this.#holds.get(holdKey);
    if (hold === undefined) return;
    this.#holds.delete(holdKey);
    this.#addHeld(hold, -hold.amount);
  }

  #addHeld(hold: Pick<Hold, "projectId" | "agentId" | "keyId">, amount: number): void {
    const keys = [scopeKey(hold.projectId), scopeKey(hold.projectId, hold.agentId)];
    if (hold.keyId !== undefined) keys.push(scopeKey("\u001ekey", hold.keyId));
    for (const key of keys) {
      const total = (this.#held.get(key) ?? 0) + amount;
      if (total > 0) this.#held.set(key, total);
      else this.#held.delete(key);
    }
  }

  #sweep(nowMs: number): void {
    for (const [key, hold] of this.#holds) {
      if (hold.expiresAt > nowMs) break;
      this.#drop(key);
    }
    for (const [key, expiresAt] of this.#settled) {
      if (expiresAt > nowMs) break;
      this.#settled.delete(key);
    }
  }
}

// Identifiers never hold control characters, so this separator is unambiguous.
function scopeKey(...parts: string[]): string {
  return parts.join("\u001f");
}

/** A key's counters live beside projects' under a name no project id can take (control character). */
function keyCounterKey(keyId: string, period: BudgetPeriod): string {
  return scopeKey("\u001ekey", keyId, period);
}

function heldKey(projectId: string, agentId: string, key: BudgetKey | undefined, limit: BudgetLimit): string {
  if (limit.scope === "key") return scopeKey("\u001ekey", (key as BudgetKey).keyId);
  return limit.scope === "project" ? scopeKey(projectId) : scopeKey(projectId, agentId);
}
