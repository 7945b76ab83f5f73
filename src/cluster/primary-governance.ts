import type { Logger } from "pino";
import type { BudgetLimits, GatewayConfig } from "../config/gateway-config.js";
import {
  type BudgetReservation,
  type BudgetReservationRequest,
  defaultReservationTtlMs,
} from "../governance/budget-guard.js";
import { LiveGovernanceSettings } from "../governance/live-governance-settings.js";
import { LocalBudgetGuard, type LocalBudgetGuardOptions } from "../governance/local-budget-guard.js";
import { LocalRateLimiter } from "../governance/local-rate-limiter.js";
import type { RateLimitRequest, RateLimitScope } from "../governance/rate-limiter.js";
import type { SpendScope } from "../governance/spend-reader.js";
import { SqliteGovernanceStore } from "../governance/sqlite-governance-store.js";
import { SqliteKeySpendLedger } from "../governance/sqlite-key-spend-ledger.js";
import type { CircuitPolicy } from "../routing/apply-circuit-operation.js";
import { SqliteUsageStore } from "../usage/sqlite-usage-store.js";
import { floorToHour, hourMs } from "../usage/usage-period.js";
import type { ClusterHub } from "./cluster-hub.js";
import { budgetTopics } from "./ipc-budget-guard.js";
import { PrimaryCircuits } from "./primary-circuits.js";

/**
 * Without Redis, what must be exact across a cluster's workers lives in its primary: one budget
 * guard, one rate limiter and the circuits, each the single-process implementation workers
 * would otherwise keep apart (with Redis the workers share them through Redis and the primary
 * holds none). The guard reads the same SQLite files as the workers: the usage store for spend
 * booked before a budget counted, the key ledger, the governance settings (polled, as every
 * worker's view is).
 */
export class PrimaryGovernance {
  readonly circuits: PrimaryCircuits;
  /** Holds of requests in flight, by request id, with the worker they came from. */
  readonly #reservations = new Map<string, { worker: number; reservation: BudgetReservation }>();
  /** Token reservations of requests in flight, by request id, with their worker. */
  readonly #rateReservations = new Map<string, number>();
  readonly #counting = new Set<string>();

  private readonly budgetGuard: LocalBudgetGuard;
  private readonly rateLimiter: LocalRateLimiter;
  private readonly release: () => Promise<void>;

  /**
   * Serves the workers of `hub` from these parts. The budget guard is built with the hooks that
   * tell workers what they need: each standing (for alerts, which run in the workers: one of them
   * hears it, as one process would) and each scope it starts counting.
   */
  static async create(
    hub: ClusterHub,
    parts: {
      createBudgetGuard: (
        hooks: Required<Pick<LocalBudgetGuardOptions, "onStanding" | "onCounting">>,
      ) => Promise<LocalBudgetGuard>;
      rateLimiter: LocalRateLimiter;
      circuitPolicy: CircuitPolicy;
      release?: () => Promise<void>;
    },
  ): Promise<PrimaryGovernance> {
    let governance: PrimaryGovernance | undefined;
    // Scopes counted while the guard seeds at creation, before there is anyone to tell.
    const early: string[] = [];
    const budgetGuard = await parts.createBudgetGuard({
      onStanding: (change) => {
        const worker = hub.anyWorker();
        if (worker !== undefined) hub.push(budgetTopics.standing, change, worker);
      },
      onCounting: (scope) => (governance ? governance.#startCounting(scope) : early.push(scope)),
    });
    governance = new PrimaryGovernance(hub, { ...parts, budgetGuard });
    for (const scope of early) governance.#startCounting(scope);
    return governance;
  }

  private constructor(
    private readonly hub: ClusterHub,
    parts: {
      budgetGuard: LocalBudgetGuard;
      rateLimiter: LocalRateLimiter;
      circuitPolicy: CircuitPolicy;
      release?: () => Promise<void>;
    },
  ) {
    this.budgetGuard = parts.budgetGuard;
    this.rateLimiter = parts.rateLimiter;
    this.release = parts.release ?? (async () => {});
    this.circuits = new PrimaryCircuits(hub, parts.circuitPolicy);
    hub.handle("budget.counting", () => [...this.#counting]);
    hub.handle("budget.reserve", async (payload, worker) => {
      const request = payload as BudgetReservationRequest;
      const reservation = await this.budgetGuard.reserve(request);
      if (reservation.heldNanoUsd > 0 || request.key !== undefined || this.#counts(request)) {
        this.#reservations.set(request.requestId, { worker, reservation });
      }
      return { heldNanoUsd: reservation.heldNanoUsd };
    });
    hub.handle("budget.settle", async (payload) => {
      const { requestId, actualCostNanoUsd } = payload as { requestId: string; actualCostNanoUsd: number };
      const held = this.#reservations.get(requestId);
      this.#reservations.delete(requestId);
      await held?.reservation.settle(actualCostNanoUsd);
    });
    hub.handle("budget.release", async (payload) => {
      const { requestId } = payload as { requestId: string };
      const held = this.#reservations.get(requestId);
      this.#reservations.delete(requestId);
      await held?.reservation.release();
    });
    hub.handle("budget.standings", (payload) => {
      const { scope, limits } = payload as { scope: SpendScope; limits: BudgetLimits | undefined };
      return this.budgetGuard.standings(scope, limits);
    });
    hub.handle("rate.check", async (payload, worker) => {
      const { request, estimate } = payload as { request: RateLimitRequest; estimate?: number };
      await this.rateLimiter.check(request, estimate === undefined ? undefined : async () => estimate);
      if (estimate !== undefined && request.requestId !== undefined) {
        this.#rateReservations.set(request.requestId, worker);
      }
    });
    hub.handle("rate.settle", (payload) => {
      const { requestId, tokens } = payload as { requestId: string; tokens: number };
      this.#rateReservations.delete(requestId);
      return this.rateLimiter.settle(requestId, tokens);
    });
    hub.handle("rate.release", (payload) => {
      const { requestId } = payload as { requestId: string };
      this.#rateReservations.delete(requestId);
      return this.rateLimiter.release(requestId);
    });
    hub.handle("rate.join", (payload) => {
      const { requestId, tokens } = payload as { requestId: string; tokens: number };
      this.rateLimiter.addBookedTokens(requestId, tokens);
    });
    hub.handle("rate.standing", (payload) => {
      const { request, scopes } = payload as { request: RateLimitRequest; scopes: RateLimitScope[] };
      return this.rateLimiter.standing(request, scopes);
    });
  }

  static async open(config: GatewayConfig, logger: Logger, hub: ClusterHub): Promise<PrimaryGovernance> {
    const usage = new SqliteUsageStore({ dataDir: config.dataDir, logger });
    const keySpend = new SqliteKeySpendLedger({ dataDir: config.dataDir });
    const settings = await LiveGovernanceSettings.open({
      store: new SqliteGovernanceStore({ dataDir: config.dataDir }),
      config,
      logger,
    });
    const release = async () => {
      await settings.close();
      await keySpend.close();
      await usage.close();
    };
    try {
      return await PrimaryGovernance.create(hub, {
        createBudgetGuard: (hooks) =>
          LocalBudgetGuard.create({
            policy: settings,
            spentSince: async (projectId, agentId, fromMs) =>
              (await usage.summarize({ projectId, agentId, fromMs, toMs: floorToHour(Date.now()) + hourMs }))
                .costNanoUsd,
            keySpend,
            reservationTtlMs: Math.max(defaultReservationTtlMs, config.requestTimeoutMs * 2),
            ...hooks,
          }),
        rateLimiter: new LocalRateLimiter({ policy: settings }),
        circuitPolicy: {
          failureThreshold: config.circuit.failureThreshold,
          cooldownMs: config.circuit.cooldownMs,
          // As the Redis breaker's lease: a trial cannot run longer than a request.
          trialLeaseMs: config.requestTimeoutMs,
        },
        release,
      });
    } catch (error) {
      await release();
      throw error;
    }
  }

  /** A worker died: its holds and token reservations go at once (they would expire anyway), and its trials. */
  workerExited(worker: number): void {
    for (const [requestId, held] of this.#reservations) {
      if (held.worker !== worker) continue;
      this.#reservations.delete(requestId);
      void held.reservation.release();
    }
    for (const [requestId, owner] of this.#rateReservations) {
      if (owner !== worker) continue;
      this.#rateReservations.delete(requestId);
      void this.rateLimiter.release(requestId);
    }
    this.circuits.releaseTrialsOf(worker);
  }

  async close(): Promise<void> {
    await this.budgetGuard.close();
    await this.release();
  }

  #counts(request: BudgetReservationRequest): boolean {
    return (
      this.#counting.has(request.projectId) ||
      this.#counting.has(`${request.projectId}\u001f${request.agentId}`)
    );
  }

  /** From the budget guard's `onCounting`: from now on every worker sends this scope's settles here. */
  #startCounting(scope: string): void {
    if (this.#counting.has(scope)) return;
    this.#counting.add(scope);
    this.hub.push(budgetTopics.counting, scope);
  }
}
