import type { ProjectBudget } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";
import { budgetExceededError } from "./budget-exceeded-error.js";
import {
  type BudgetGuard,
  type BudgetReservation,
  type BudgetReservationRequest,
  defaultReservationTtlMs,
  onceReservation,
  type SpentSince,
  unlimitedReservation,
} from "./budget-guard.js";
import { applicableBudgetLimits, assertNanoUsd, type BudgetLimit, budgetWindow } from "./budget-limits.js";
import {
  errorMessage,
  type GovernanceLogger,
  silentGovernanceLogger,
  throttledWarning,
} from "./governance-logger.js";
import { heldField, redisBudgetKeys } from "./redis-budget-keys.js";
import { releaseBudgetScript, reserveBudgetScript, settleBudgetScript } from "./redis-budget-scripts.js";
import {
  assertKeyPrefix,
  defineRedisScript,
  type GovernanceRedisClient,
  type RedisScript,
  withTimeout,
} from "./redis-script.js";

export interface RedisBudgetGuardOptions {
  /** Shared with other parts if the caller likes; the guard never quits it. */
  client: GovernanceRedisClient;
  keyPrefix: string;
  budgets: Readonly<Record<string, ProjectBudget>>;
  /**
   * Refuse every request that has a budget while Redis cannot be asked
   * (`GW_ERR_STORE_UNAVAILABLE`). Default false: admit it and log a warning.
   */
  failClosed?: boolean;
  reservationTtlMs?: number;
  /** How long a settled request id is remembered (each costs ~100 bytes of Redis). Default 24 h. */
  settledIdTtlMs?: number;
  /** Longest wait for Redis before it counts as unreachable. Default 1 s. */
  operationTimeoutMs?: number;
  /** Settles kept in memory while Redis is down, oldest dropped first. Default 10,000. */
  maxPendingSettles?: number;
  logger?: GovernanceLogger;
  /**
   * The usage store's spend, to seed a spent counter Redis does not have yet
   * (a budget configured mid-month, say) the first time this process needs it.
   */
  spentSince?: SpentSince;
  /** Epoch ms; windows, holds and TTLs follow it. Replicas should run NTP-synced clocks. */
  now?: () => number;
}

interface PendingSettle {
  keys: string[];
  args: Array<string | number>;
}

const dayMs = 86_400_000;

/**
 * Budgets shared by every replica through Redis (standalone or Cluster): one
 * Lua script per reserve, settle or release, each touching only keys of the
 * request's project (one hash slot), so checks and holds are atomic across
 * replicas. Projects and agents without a limit cost no round trip.
 *
 * Holds lapse on their own: each carries an expiry in a sorted set that every
 * script sweeps first, so a replica that crashes mid-request frees its holds
 * after `reservationTtlMs`.
 *
 * When Redis is unreachable (error or no answer within `operationTimeoutMs`)
 * it fails OPEN by default: the request is admitted without a hold and a
 * warning is logged. With `failClosed` it fails CLOSED: the request is
 * refused with `GW_ERR_STORE_UNAVAILABLE`, which says so. Settles that could
 * not be sent wait in memory and go out with the next call that reaches
 * Redis (idempotent, so a settle that did land but lost its answer counts once).
 */
export class RedisBudgetGuard implements BudgetGuard {
  readonly #client: GovernanceRedisClient;
  readonly #keyPrefix: string;
  readonly #budgets: Readonly<Record<string, ProjectBudget>>;
  readonly #failClosed: boolean;
  readonly #reservationTtlMs: number;
  readonly #settledIdTtlMs: number;
  readonly #timeoutMs: number;
  readonly #maxPendingSettles: number;
  readonly #logger: GovernanceLogger;
  readonly #now: () => number;
  readonly #reserve: RedisScript;
  readonly #settle: RedisScript;
  readonly #release: RedisScript;
  readonly #warnUnreachable: (details: object) => void;
  readonly #spentSince: SpentSince | undefined;
  /** Spent counters this process made sure of (seeded, or found in Redis), to the end of their window. */
  readonly #seeded = new Map<string, number>();
  /** The earliest window end in `#seeded`: entries are dropped once then, not looked over per request. */
  #pruneSeededAt = Number.POSITIVE_INFINITY;
  #pending: PendingSettle[] = [];
  #flushing: Promise<void> | undefined;

  constructor(options: RedisBudgetGuardOptions) {
    assertKeyPrefix(options.keyPrefix);
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
    this.#budgets = options.budgets;
    this.#failClosed = options.failClosed ?? false;
    this.#reservationTtlMs = options.reservationTtlMs ?? defaultReservationTtlMs;
    this.#settledIdTtlMs = options.settledIdTtlMs ?? dayMs;
    this.#timeoutMs = options.operationTimeoutMs ?? 1_000;
    this.#maxPendingSettles = options.maxPendingSettles ?? 10_000;
    this.#logger = options.logger ?? silentGovernanceLogger;
    this.#now = options.now ?? Date.now;
    this.#spentSince = options.spentSince;
    this.#reserve = defineRedisScript(this.#client, "llmGatewayReserveBudget", reserveBudgetScript);
    this.#settle = defineRedisScript(this.#client, "llmGatewaySettleBudget", settleBudgetScript);
    this.#release = defineRedisScript(this.#client, "llmGatewayReleaseBudget", releaseBudgetScript);
    this.#warnUnreachable = throttledWarning(
      this.#logger,
      this.#failClosed
        ? "budgets: Redis unreachable; refusing requests that have a budget (fail closed)"
        : "budgets: Redis unreachable; admitting requests without a budget check (fail open)",
      { now: this.#now },
    );
  }

  async reserve(request: BudgetReservationRequest): Promise<BudgetReservation> {
    const { projectId, agentId, maxCostNanoUsd, requestId } = request;
    assertNanoUsd(maxCostNanoUsd, "maxCostNanoUsd");
    const limits = applicableBudgetLimits(this.#budgets, projectId, agentId);
    if (limits.length === 0) return unlimitedReservation(requestId);
    const nowMs = this.#now();
    const keys = redisBudgetKeys(this.#keyPrefix, projectId);
    const args: Array<string | number> = [
      requestId,
      String(maxCostNanoUsd),
      nowMs,
      nowMs + this.#reservationTtlMs,
      agentId,
      this.#reservationTtlMs + 60_000,
    ];
    for (const limit of limits) args.push(heldField(limit, agentId), limit.limitNanoUsd);
    const spent = spentKeys(keys, limits, agentId, nowMs);
    let reply: unknown;
    try {
      await this.#seedOnce(limits, spent, request, nowMs);
      // A reserve that times out here but still lands in Redis holds budget until its TTL lapses.
      reply = await this.#run(
        this.#reserve,
        [keys.reservations, keys.reservationExpiry, keys.held, ...spent],
        args,
        "budget reserve",
      );
    } catch (error) {
      return this.#unreachable(request, error);
    }
    if (!Array.isArray(reply)) throw new Error(`unexpected budget reserve reply: ${JSON.stringify(reply)}`);
    if (reply[0] !== 1) {
      throw budgetExceededError({
        projectId,
        agentId,
        requestMaxCostNanoUsd: maxCostNanoUsd,
        nowMs,
        standings: limits.map((limit, index) => ({
          limit,
          spentNanoUsd: Number(reply[1 + 2 * index]),
          reservedNanoUsd: Number(reply[2 + 2 * index]),
        })),
      });
    }
    return onceReservation(requestId, maxCostNanoUsd, {
      settle: (actual) => this.#settleNow(request, limits, actual),
      release: () => this.#releaseNow(request),
    });
  }

  /** Settles still waiting for Redis (for tests and health reporting). */
  get pendingSettles(): number {
    return this.#pending.length;
  }

  async close(): Promise<void> {
    await this.#flush();
    if (this.#pending.length > 0) {
      this.#logger.warn(
        { pendingSettles: this.#pending.length },
        "budgets: Redis unreachable at shutdown; these settled costs are not counted in the shared budgets",
      );
    }
  }

  /**
   * Sets each spent counter Redis lacks to what the usage store booked in its
   * window (SET NX: a counter already there, seeded or settled into by any
   * replica, is never overwritten). Settles into a counter only ever follow a
   * reserve, which seeds first, so the store's earlier spend is not lost;
   * except when Redis (or the store) could not be reached for that first
   * reserve: it fails open unseeded, and its queued settle may create the
   * counter first. A request booked between the store read and its settle
   * may count twice: an error on the safe side, of one request's cost at most.
   */
  async #seedOnce(
    limits: BudgetLimit[],
    spentKeys: string[],
    { projectId, agentId }: BudgetReservationRequest,
    nowMs: number,
  ): Promise<void> {
    const spentSince = this.#spentSince;
    if (!spentSince) return;
    if (nowMs >= this.#pruneSeededAt) this.#pruneSeeded(nowMs);
    const unseeded = limits
      .map((limit, index) => ({ limit, key: spentKeys[index] as string }))
      .filter(({ key }) => !this.#seeded.has(key));
    if (unseeded.length === 0) return;
    await Promise.all(
      unseeded.map(async ({ limit, key }) => {
        const window = budgetWindow(limit.period, nowMs);
        const spent = await spentSince(
          projectId,
          limit.scope === "agent" ? agentId : undefined,
          window.fromMs,
        );
        assertNanoUsd(spent, "spentSince");
        const ttlMs = window.toMs - nowMs + dayMs;
        await withTimeout(
          this.#client.set(key, String(spent), "PX", ttlMs, "NX"),
          this.#timeoutMs,
          "budget seed",
        );
        this.#seeded.set(key, window.toMs);
        this.#pruneSeededAt = Math.min(this.#pruneSeededAt, window.toMs);
      }),
    );
  }

  #pruneSeeded(nowMs: number): void {
    this.#pruneSeededAt = Number.POSITIVE_INFINITY;
    for (const [key, windowEndMs] of this.#seeded) {
      if (windowEndMs <= nowMs) this.#seeded.delete(key);
      else this.#pruneSeededAt = Math.min(this.#pruneSeededAt, windowEndMs);
    }
  }

  #unreachable(request: BudgetReservationRequest, error: unknown): BudgetReservation {
    this.#warnUnreachable({ projectId: request.projectId, operation: "reserve", error: errorMessage(error) });
    if (this.#failClosed) {
      throw new GatewayError(
        "GW_ERR_STORE_UNAVAILABLE",
        `Budget check unavailable: the shared budget store (Redis) cannot be reached, and this gateway ` +
          `refuses spending for projects with a budget until it can. Retry shortly.`,
        { retryAfterSeconds: 5, details: { project_id: request.projectId }, cause: error },
      );
    }
    const limits = applicableBudgetLimits(this.#budgets, request.projectId, request.agentId);
    return onceReservation(request.requestId, 0, {
      settle: (actual) => this.#settleNow(request, limits, actual),
      release: async () => {},
    });
  }

  async #settleNow(request: BudgetReservationRequest, limits: BudgetLimit[], actual: number): Promise<void> {
    const nowMs = this.#now();
    const keys = redisBudgetKeys(this.#keyPrefix, request.projectId);
    const spent = spentKeys(keys, limits, request.agentId, nowMs);
    const settle: PendingSettle = {
      keys: [keys.reservations, keys.reservationExpiry, keys.held, keys.settled(request.requestId), ...spent],
      args: [
        request.requestId,
        String(actual),
        nowMs,
        this.#settledIdTtlMs,
        ...limits.map((limit) => budgetWindow(limit.period, nowMs).toMs - nowMs + dayMs),
      ],
    };
    try {
      await this.#run(this.#settle, settle.keys, settle.args, "budget settle");
    } catch (error) {
      this.#warnUnreachable({
        projectId: request.projectId,
        operation: "settle",
        error: errorMessage(error),
      });
      this.#pending.push(settle);
      if (this.#pending.length > this.#maxPendingSettles) {
        this.#pending.shift();
        this.#logger.warn(
          { maxPendingSettles: this.#maxPendingSettles },
          "budgets: too many settles waiting for Redis; the oldest is dropped and its cost not counted",
        );
      }
    }
  }

  async #releaseNow(request: BudgetReservationRequest): Promise<void> {
    const keys = redisBudgetKeys(this.#keyPrefix, request.projectId);
    try {
      await this.#run(
        this.#release,
        [keys.reservations, keys.reservationExpiry, keys.held],
        [request.requestId, this.#now()],
        "budget release",
      );
    } catch (error) {
      // The hold lapses on its own after the reservation TTL.
      this.#warnUnreachable({
        projectId: request.projectId,
        operation: "release",
        error: errorMessage(error),
      });
    }
  }

  /** Every answer from Redis is a chance to send the settles that waited for it. */
  async #run(
    script: RedisScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    what: string,
  ): Promise<unknown> {
    const reply = await withTimeout(script(keys, args), this.#timeoutMs, what);
    if (this.#pending.length > 0) void this.#flush();
    return reply;
  }

  #flush(): Promise<void> {
    if (this.#flushing !== undefined) return this.#flushing;
    if (this.#pending.length === 0) return Promise.resolve();
    this.#flushing = this.#sendPending().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #sendPending(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const next = this.#pending[0] as PendingSettle;
        await withTimeout(this.#settle(next.keys, next.args), this.#timeoutMs, "budget settle (retry)");
        this.#pending.shift();
      }
    } catch {
      // Still unreachable: the rest waits for the next call that gets through.
    }
  }
}

function spentKeys(
  keys: ReturnType<typeof redisBudgetKeys>,
  limits: BudgetLimit[],
  agentId: string,
  nowMs: number,
): string[] {
  return limits.map((limit) => keys.spent(limit, agentId, nowMs));
}
