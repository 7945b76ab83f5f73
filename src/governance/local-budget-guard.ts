import type { ProjectBudget } from "../config/gateway-config.js";
import { budgetExceededError, exceeds } from "./budget-exceeded-error.js";
import {
  type BudgetGuard,
  type BudgetReservation,
  type BudgetReservationRequest,
  defaultReservationTtlMs,
  onceReservation,
  type SpentSince,
  unlimitedReservation,
} from "./budget-guard.js";
import {
  applicableBudgetLimits,
  assertNanoUsd,
  type BudgetLimit,
  budgetWindow,
  scopeBudgetLimits,
} from "./budget-limits.js";

export interface LocalBudgetGuardOptions {
  budgets: Readonly<Record<string, ProjectBudget>>;
  /** Seeds today's and this month's spend at start, so a restart keeps them. */
  spentSince: SpentSince;
  reservationTtlMs?: number;
  /** How long a settled request id is remembered, so settling it again counts nothing. Default 24 h. */
  settledIdTtlMs?: number;
  /** Epoch ms; UTC windows and holds follow it. */
  now?: () => number;
}

interface Hold {
  projectId: string;
  agentId: string;
  amount: number;
  expiresAt: number;
}

/**
 * Budgets in this process's memory: the single-replica default. Checks and
 * holds are synchronous, so concurrent requests cannot overspend. Nothing
 * remote is involved, so it cannot fail open or closed; if the seeding read
 * fails at start, `create` rejects and the gateway does not start with
 * budgets it cannot know.
 *
 * Spend is counted from settles, into the UTC day and month in which they
 * happen, on top of what `spentSince` reported at start.
 */
export class LocalBudgetGuard implements BudgetGuard {
  readonly #budgets: Readonly<Record<string, ProjectBudget>>;
  readonly #reservationTtlMs: number;
  readonly #settledIdTtlMs: number;
  readonly #now: () => number;
  /** Per limited scope and period: the window it counts and the nano-USD spent in it. */
  readonly #spent = new Map<string, { label: string; nanoUsd: number }>();
  /** Nano-USD held per scope (project, or project + agent). */
  readonly #held = new Map<string, number>();
  /** In creation order, which is expiry order since the TTL is fixed. */
  readonly #holds = new Map<string, Hold>();
  readonly #settled = new Map<string, number>();

  private constructor(options: LocalBudgetGuardOptions) {
    this.#budgets = options.budgets;
    this.#reservationTtlMs = options.reservationTtlMs ?? defaultReservationTtlMs;
    this.#settledIdTtlMs = options.settledIdTtlMs ?? 86_400_000;
    this.#now = options.now ?? Date.now;
  }

  static async create(options: LocalBudgetGuardOptions): Promise<LocalBudgetGuard> {
    const guard = new LocalBudgetGuard(options);
    await guard.#seed(options.spentSince);
    return guard;
  }

  async reserve(request: BudgetReservationRequest): Promise<BudgetReservation> {
    const { projectId, agentId, maxCostNanoUsd, requestId } = request;
    assertNanoUsd(maxCostNanoUsd, "maxCostNanoUsd");
    const limits = applicableBudgetLimits(this.#budgets, projectId, agentId);
    if (limits.length === 0) return unlimitedReservation(requestId);
    const nowMs = this.#now();
    this.#sweep(nowMs);
    const holdKey = scopeKey(projectId, "request", requestId);
    if (!this.#holds.has(holdKey)) {
      const standings = limits.map((limit) => ({
        limit,
        spentNanoUsd: this.#spentIn(counterKey(projectId, agentId, limit), limit, nowMs),
        reservedNanoUsd: this.#held.get(heldKey(projectId, agentId, limit)) ?? 0,
      }));
      if (standings.some((standing) => exceeds(standing, maxCostNanoUsd))) {
        throw budgetExceededError({
          projectId,
          agentId,
          requestMaxCostNanoUsd: maxCostNanoUsd,
          nowMs,
          standings,
        });
      }
      this.#holds.set(holdKey, {
        projectId,
        agentId,
        amount: maxCostNanoUsd,
        expiresAt: nowMs + this.#reservationTtlMs,
      });
      this.#addHeld(projectId, agentId, maxCostNanoUsd);
    }
    return onceReservation(requestId, maxCostNanoUsd, {
      settle: async (actual) => this.#settleNow(request, limits, actual),
      release: async () => this.#drop(holdKey),
    });
  }

  async close(): Promise<void> {}

  async #seed(spentSince: SpentSince): Promise<void> {
    const nowMs = this.#now();
    const reads: Array<Promise<void>> = [];
    const seed = (projectId: string, agentId: string | undefined, limits: BudgetLimit[]) => {
      for (const limit of limits) {
        const window = budgetWindow(limit.period, nowMs);
        const read = spentSince(projectId, agentId, window.fromMs).then((nanoUsd) => {
          assertNanoUsd(nanoUsd, `spentSince(${projectId}, ${agentId ?? "all agents"})`);
          this.#spent.set(counterKey(projectId, agentId ?? "", limit), { label: window.label, nanoUsd });
        });
        reads.push(read);
      }
    };
    for (const [projectId, budget] of Object.entries(this.#budgets)) {
      seed(projectId, undefined, scopeBudgetLimits("project", budget));
      for (const [agentId, limits] of Object.entries(budget.agents))
        seed(projectId, agentId, scopeBudgetLimits("agent", limits));
    }
    await Promise.all(reads);
  }

  #settleNow(request: BudgetReservationRequest, limits: BudgetLimit[], actual: number): void {
    const nowMs = this.#now();
    this.#sweep(nowMs);
    const holdKey = scopeKey(request.projectId, "request", request.requestId);
    this.#drop(holdKey);
    if (this.#settled.has(holdKey)) return;
    this.#settled.set(holdKey, nowMs + this.#settledIdTtlMs);
    for (const limit of limits) {
      const key = counterKey(request.projectId, request.agentId, limit);
      const label = budgetWindow(limit.period, nowMs).label;
      this.#spent.set(key, { label, nanoUsd: this.#spentIn(key, limit, nowMs) + actual });
    }
  }

  #spentIn(key: string, limit: BudgetLimit, nowMs: number): number {
    const entry = this.#spent.get(key);
    // A counter of an earlier day or month is a new window's zero.
    return entry?.label === budgetWindow(limit.period, nowMs).label ? entry.nanoUsd : 0;
  }

  #drop(holdKey: string): void {
    const hold = this.#holds.get(holdKey);
    if (hold === undefined) return;
    this.#holds.delete(holdKey);
    this.#addHeld(hold.projectId, hold.agentId, -hold.amount);
  }

  #addHeld(projectId: string, agentId: string, amount: number): void {
    for (const key of [scopeKey(projectId), scopeKey(projectId, agentId)]) {
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

function counterKey(projectId: string, agentId: string, limit: BudgetLimit): string {
  return limit.scope === "project"
    ? scopeKey(projectId, "", limit.period)
    : scopeKey(projectId, agentId, limit.period);
}

function heldKey(projectId: string, agentId: string, limit: BudgetLimit): string {
  return limit.scope === "project" ? scopeKey(projectId) : scopeKey(projectId, agentId);
}
