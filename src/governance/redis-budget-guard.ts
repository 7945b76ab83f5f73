import type { BudgetLimits } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";
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
import {
  errorMessage,
  type GovernanceLogger,
  silentGovernanceLogger,
  throttledWarning,
} from "./governance-logger.js";
import type { GovernancePolicy } from "./governance-policy.js";
import { heldField, redisBudgetKeys } from "./redis-budget-keys.js";
import {
  readBudgetScript,
  releaseBudgetScript,
  reserveBudgetScript,
  settleBudgetScript,
} from "./redis-budget-scripts.js";
import { redisKeyBudgetKeys } from "./redis-key-budget-keys.js";
import {
  readKeyBudgetScript,
  releaseKeyBudgetScript,
  reserveKeyBudgetScript,
  settleKeyBudgetScript,
} from "./redis-key-budget-scripts.js";
import {
  assertKeyPrefix,
  defineRedisScript,
  type GovernanceRedisClient,
  type RedisScript,
  withTimeout,
} from "./redis-script.js";
import type { SpendScope } from "./spend-reader.js";

export interface RedisBudgetGuardOptions {
  /** Shared with other parts if the caller likes; the guard never quits it. */
  client: GovernanceRedisClient;
  keyPrefix: string;
  /** Asked on every reserve and settle: a budget changed at runtime applies to the next request. */
  policy: GovernancePolicy;
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
   * (a budget configured mid-month, say) the first time a budget needs it.
   * Without one, a new counter starts at zero.
   */
  spentSince?: SpentSince;
  /** Told each budget's standing after a settle counts against it, and each refusing budget's. */
  onStanding?: BudgetStandingListener;
  /** Epoch ms; windows, holds and TTLs follow it. Replicas should run NTP-synced clocks. */
  now?: () => number;
}

interface PendingSettle {
  script: RedisScript;
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
 * A managed key's budget is a second scope in the key's own slot, reserved
 * after the project's (each atomic; a key refusal releases the project hold).
 * Every settle of a request with a managed key books the key's spend
 * counters, budget or not: they are the key's spend ledger.
 *
 * Limits come from the policy on every call. A spent counter missing from
 * Redis is seeded from the usage store (SET NX) before a reserve uses it;
 * when this replica sees a budget gone, it deletes the scope's counters, so a
 * budget set again later is seeded afresh and counts what was spent meanwhile.
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
  readonly #policy: GovernancePolicy;
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
  readonly #read: RedisScript;
  readonly #reserveKey: RedisScript;
  readonly #settleKey: RedisScript;
  readonly #releaseKey: RedisScript;
  readonly #readKey: RedisScript;
  readonly #warnUnreachable: (details: object) => void;
  readonly #spentSince: SpentSince;
  readonly #onStanding: BudgetStandingListener | undefined;
  /** Spent counters this process made sure of (seeded, or found in Redis), to the end of their window. */
  readonly #seeded = new Map<string, number>();
  /** Per project or agent scope and period: the counter this process seeded last, to drop it if the budget goes. */
  readonly #seededScopes = new Map<string, string>();
  /** The earliest window end in `#seeded`: entries are dropped once then, not looked over per request. */
  #pruneSeededAt = Number.POSITIVE_INFINITY;
  #pending: PendingSettle[] = [];
  #flushing: Promise<void> | undefined;

  constructor(options: RedisBudgetGuardOptions) {
    assertKeyPrefix(options.keyPrefix);
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
    this.#policy = options.policy;
    this.#failClosed = options.failClosed ?? false;
    this.#reservationTtlMs = options.reservationTtlMs ?? defaultReservationTtlMs;
    this.#settledIdTtlMs = options.settledIdTtlMs ?? dayMs;
    this.#timeoutMs = options.operationTimeoutMs ?? 1_000;
    this.#maxPendingSettles = options.maxPendingSettles ?? 10_000;
    this.#logger = options.logger ?? silentGovernanceLogger;
    this.#now = options.now ?? Date.now;
    this.#spentSince = options.spentSince ?? (async () => 0);
    this.#onStanding = options.onStanding;
    this.#reserve = defineRedisScript(this.#client, "llmGatewayReserveBudget", reserveBudgetScript);
    this.#settle = defineRedisScript(this.#client, "llmGatewaySettleBudget", settleBudgetScript);
    this.#release = defineRedisScript(this.#client, "llmGatewayReleaseBudget", releaseBudgetScript);
    this.#read = defineRedisScript(this.#client, "llmGatewayReadBudget", readBudgetScript);
    this.#reserveKey = defineRedisScript(this.#client, "llmGatewayReserveKeyBudget", reserveKeyBudgetScript);
    this.#settleKey = defineRedisScript(this.#client, "llmGatewaySettleKeyBudget", settleKeyBudgetScript);
    this.#releaseKey = defineRedisScript(this.#client, "llmGatewayReleaseKeyBudget", releaseKeyBudgetScript);
    this.#readKey = defineRedisScript(this.#client, "llmGatewayReadKeyBudget", readKeyBudgetScript);
    this.#warnUnreachable = throttledWarning(
      this.#logger,
      this.#failClosed
        ? "budgets: Redis unreachable; refusing requests that have a budget (fail closed)"
        : "budgets: Redis unreachable; admitting requests without a budget check (fail open)",
      { now: this.#now },
    );
  }

  async reserve(request: BudgetReservationRequest): Promise<BudgetReservation> {
    const { projectId, agentId, maxCostNanoUsd, requestId, key } = request;
    assertNanoUsd(maxCostNanoUsd, "maxCostNanoUsd");
    const nowMs = this.#now();
    const limits = applicableBudgetLimits(this.#policy.budgets(), projectId, agentId);
    this.#forgetRemovedBudgets(projectId, agentId, limits);
    const keyLimits = scopeBudgetLimits("key", key?.limits);
    if (limits.length === 0 && key === undefined) return unlimitedReservation(requestId);
    const held = limits.length + keyLimits.length === 0 ? 0 : maxCostNanoUsd;
    let projectHeld = false;
    try {
      if (limits.length > 0) {
        const reply = await this.#reserveProject(request, limits, nowMs);
        if (reply[0] !== 1) throw this.#refusal(request, limits, reply, nowMs);
        projectHeld = true;
      }
      if (key !== undefined && keyLimits.length > 0) {
        const reply = await this.#reserveKeyScope(request, keyLimits, nowMs);
        if (reply[0] !== 1) {
          if (projectHeld) await this.#releaseNow(request, { project: true, key: false });
          throw this.#refusal(request, keyLimits, reply, nowMs);
        }
      }
    } catch (error) {
      if (error instanceof GatewayError || error instanceof RangeError) throw error;
      return this.#unreachable(request, error, projectHeld);
    }
    return onceReservation(requestId, held, {
      settle: (actual) => this.#settleNow(request, limits.length > 0, actual),
      release: () => this.#releaseNow(request, { project: limits.length > 0, key: keyLimits.length > 0 }),
    });
  }

  async standings(scope: SpendScope, budget: BudgetLimits | undefined): Promise<PeriodStanding[]> {
    const nowMs = this.#now();
    const limits = scopeBudgetLimits(scope.scope, budget);
    if (limits.length === 0) return [];
    if (scope.scope === "key") {
      const keys = redisKeyBudgetKeys(this.#keyPrefix, scope.keyId);
      const reply = await this.#call(
        this.#readKey,
        [
          keys.reservations,
          keys.reservationExpiry,
          keys.held,
          ...limits.map((l) => keys.spent(l.period, nowMs)),
        ],
        [nowMs],
        "key budget standing",
      );
      return standingsFrom(limits, reply, nowMs);
    }
    const agentId = scope.scope === "agent" ? scope.agentId : "";
    const keys = redisBudgetKeys(this.#keyPrefix, scope.projectId);
    const spent = spentKeys(keys, limits, agentId, nowMs);
    const request = { projectId: scope.projectId, agentId, maxCostNanoUsd: 0, requestId: "" };
    await this.#seedOnce(limits, spent, request, nowMs);
    const field = heldField(limits[0] as BudgetLimit, agentId);
    const reply = await this.#call(
      this.#read,
      [keys.reservations, keys.reservationExpiry, keys.held, ...spent],
      [nowMs, field],
      "budget standing",
    );
    return standingsFrom(limits, reply, nowMs);
  }

  /** Seeds the counters, then holds; a counter found missing (dropped meanwhile) is seeded again, once. */
  async #reserveProject(request: BudgetReservationRequest, limits: BudgetLimit[], nowMs: number) {
    const { projectId, agentId, maxCostNanoUsd, requestId } = request;
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
    for (let attempt = 0; ; attempt++) {
      await this.#seedOnce(limits, spent, request, nowMs);
      // A reserve that times out here but still lands in Redis holds budget until its TTL lapses.
      const reply = await this.#run(
        this.#reserve,
        [keys.reservations, keys.reservationExpiry, keys.held, ...spent],
        args,
        "budget reserve",
      );
      if (!Array.isArray(reply)) throw new Error(`unexpected budget reserve reply: ${JSON.stringify(reply)}`);
      if (reply[0] !== -1) return reply as unknown[];
      if (attempt > 0) throw new Error("budget reserve: spent counters vanish as soon as they are seeded");
      for (const key of spent) this.#seeded.delete(key);
    }
  }

  async #reserveKeyScope(request: BudgetReservationRequest, limits: BudgetLimit[], nowMs: number) {
    const keys = redisKeyBudgetKeys(this.#keyPrefix, (request.key as BudgetKey).keyId);
    const reply = await this.#run(
      this.#reserveKey,
      [
        keys.reservations,
        keys.reservationExpiry,
        keys.held,
        ...limits.map((l) => keys.spent(l.period, nowMs)),
      ],
      [
        request.requestId,
        String(request.maxCostNanoUsd),
        nowMs,
        nowMs + this.#reservationTtlMs,
        this.#reservationTtlMs + 60_000,
        ...limits.map((limit) => limit.limitNanoUsd),
      ],
      "key budget reserve",
    );
    if (!Array.isArray(reply))
      throw new Error(`unexpected key budget reserve reply: ${JSON.stringify(reply)}`);
    return reply as unknown[];
  }

  #refusal(request: BudgetReservationRequest, limits: BudgetLimit[], reply: unknown[], nowMs: number) {
    const standings = limits.map((limit, index) => ({
      limit,
      spentNanoUsd: Number(reply[1 + 2 * index]),
      reservedNanoUsd: Number(reply[2 + 2 * index]),
    }));
    for (const standing of standings) {
      if (!exceeds(standing, request.maxCostNanoUsd)) continue;
      const resetsAt = budgetWindow(standing.limit.period, nowMs).toMs;
      tellStanding(
        this.#onStanding,
        standingChange(request, standing.limit, standing.spentNanoUsd, resetsAt, true),
      );
    }
    return budgetExceededError({
      projectId: request.projectId,
      agentId: request.agentId,
      ...(request.key ? { keyName: request.key.keyName, keyId: request.key.keyId } : {}),
      requestMaxCostNanoUsd: request.maxCostNanoUsd,
      nowMs,
      standings,
    });
  }

  /**
   * A project or agent budget this process seeded but the policy no longer has: its counters stop
   * following settles, so they are dropped (best effort) and seeded afresh if the budget returns.
   */
  #forgetRemovedBudgets(projectId: string, agentId: string, limits: BudgetLimit[]): void {
    if (this.#seededScopes.size === 0) return;
    const stale: string[] = [];
    for (const scope of ["project", "agent"] as const) {
      for (const period of ["day", "month"] as const) {
        if (limits.some((limit) => limit.scope === scope && limit.period === period)) continue;
        const scopeId = seededScopeId(projectId, scope === "agent" ? agentId : undefined, period);
        const key = this.#seededScopes.get(scopeId);
        if (key === undefined) continue;
        this.#seededScopes.delete(scopeId);
        this.#seeded.delete(key);
        stale.push(key);
      }
    }
    if (stale.length === 0) return;
    // One slot (the project's tag), so one DEL even on a Cluster.
    withTimeout(this.#client.del(...stale), this.#timeoutMs, "budget counter drop").catch((error: unknown) =>
      this.#warnUnreachable({ projectId, operation: "drop counters", error: errorMessage(error) }),
    );
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
        this.#seededScopes.set(
          seededScopeId(projectId, limit.scope === "agent" ? agentId : undefined, limit.period),
          key,
        );
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

  #unreachable(request: BudgetReservationRequest, error: unknown, projectHeld: boolean): BudgetReservation {
    this.#warnUnreachable({ projectId: request.projectId, operation: "reserve", error: errorMessage(error) });
    if (this.#failClosed) {
      // The key scope failed after the project held: free that hold (or it lapses on its own).
      if (projectHeld) void this.#releaseNow(request, { project: true, key: false });
      throw new GatewayError(
        "GW_ERR_STORE_UNAVAILABLE",
        `Budget check unavailable: the shared budget store (Redis) cannot be reached, and this gateway ` +
          `refuses spending for projects with a budget until it can. Retry shortly.`,
        { retryAfterSeconds: 5, details: { project_id: request.projectId }, cause: error },
      );
    }
    return onceReservation(request.requestId, 0, {
      settle: (actual) => this.#settleNow(request, true, actual),
      release: () => this.#releaseNow(request, { project: projectHeld, key: false }),
    });
  }

  /**
   * Books the cost into every spent counter of the project and agent that exists (not only the
   * limited ones: a budget set later must not miss it), and into the key's spend.
   */
  async #settleNow(
    request: BudgetReservationRequest,
    projectLimited: boolean,
    actual: number,
  ): Promise<void> {
    const nowMs = this.#now();
    let projectSettle: PendingSettle | undefined;
    let keySettle: PendingSettle | undefined;
    const everyCounter: BudgetLimit[] = (["project", "agent"] as const).flatMap((scope) =>
      (["day", "month"] as const).map((period) => ({ scope, period, limitNanoUsd: 0 })),
    );
    if (
      projectLimited ||
      applicableBudgetLimits(this.#policy.budgets(), request.projectId, request.agentId).length > 0
    ) {
      const keys = redisBudgetKeys(this.#keyPrefix, request.projectId);
      projectSettle = {
        script: this.#settle,
        keys: [
          keys.reservations,
          keys.reservationExpiry,
          keys.held,
          keys.settled(request.requestId),
          ...spentKeys(keys, everyCounter, request.agentId, nowMs),
        ],
        args: [
          request.requestId,
          String(actual),
          nowMs,
          this.#settledIdTtlMs,
          ...everyCounter.map((limit) => counterTtlMs(limit.period, nowMs)),
        ],
      };
    }
    if (request.key !== undefined) {
      const keys = redisKeyBudgetKeys(this.#keyPrefix, request.key.keyId);
      keySettle = {
        script: this.#settleKey,
        keys: [
          keys.reservations,
          keys.reservationExpiry,
          keys.held,
          keys.booked(request.requestId),
          keys.spent("day", nowMs),
          keys.spent("month", nowMs),
        ],
        args: [
          request.requestId,
          String(actual),
          nowMs,
          this.#settledIdTtlMs,
          counterTtlMs("day", nowMs),
          counterTtlMs("month", nowMs),
        ],
      };
    }
    const [projectReply, keyReply] = await Promise.all([
      projectSettle && this.#sendSettle(request, projectSettle),
      keySettle && this.#sendSettle(request, keySettle),
    ]);
    if (this.#onStanding) this.#tellSettled(request, projectReply, keyReply, nowMs);
  }

  /**
   * Each budget set now that this settle counted against, from the counters the scripts returned
   * (project day, project month, agent day, agent month; key day, key month). A repeat, or a settle
   * still waiting for Redis, tells nothing.
   */
  #tellSettled(
    request: BudgetReservationRequest,
    projectReply: unknown,
    keyReply: unknown,
    nowMs: number,
  ): void {
    const booked = (reply: unknown): reply is unknown[] => Array.isArray(reply) && reply[0] === 1;
    const counterIndex = (limit: BudgetLimit) =>
      (limit.scope === "agent" ? 2 : 0) + (limit.period === "month" ? 1 : 0);
    const tell = (limit: BudgetLimit, spent: number) => {
      if (spent >= 0)
        tellStanding(
          this.#onStanding,
          standingChange(request, limit, spent, budgetWindow(limit.period, nowMs).toMs),
        );
    };
    if (booked(projectReply)) {
      for (const limit of applicableBudgetLimits(this.#policy.budgets(), request.projectId, request.agentId))
        tell(limit, Number(projectReply[1 + counterIndex(limit)]));
    }
    if (booked(keyReply)) {
      for (const limit of scopeBudgetLimits("key", request.key?.limits))
        tell(limit, Number(keyReply[limit.period === "day" ? 1 : 2]));
    }
  }

  /** Sends one settle; the script's reply, or undefined when it waits for Redis. */
  async #sendSettle(request: BudgetReservationRequest, settle: PendingSettle): Promise<unknown> {
    try {
      return await this.#run(settle.script, settle.keys, settle.args, "budget settle");
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
      return undefined;
    }
  }

  /** Drops the request's holds in the scopes that hold for it; nothing to send for the others. */
  async #releaseNow(
    request: BudgetReservationRequest,
    held: { project: boolean; key: boolean },
  ): Promise<void> {
    const releases: Array<Promise<unknown>> = [];
    if (held.project) {
      const keys = redisBudgetKeys(this.#keyPrefix, request.projectId);
      releases.push(
        this.#run(
          this.#release,
          [keys.reservations, keys.reservationExpiry, keys.held],
          [request.requestId, this.#now()],
          "budget release",
        ),
      );
    }
    if (held.key && request.key !== undefined) {
      const key = redisKeyBudgetKeys(this.#keyPrefix, request.key.keyId);
      releases.push(
        this.#run(
          this.#releaseKey,
          [key.reservations, key.reservationExpiry, key.held],
          [request.requestId, this.#now()],
          "key budget release",
        ),
      );
    }
    try {
      await Promise.all(releases);
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

  /** A read for reporting: bounded like every call, and an unreachable Redis rejects. */
  async #call(
    script: RedisScript,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    what: string,
  ): Promise<unknown[]> {
    const reply = await this.#run(script, keys, args, what);
    if (!Array.isArray(reply)) throw new Error(`unexpected ${what} reply: ${JSON.stringify(reply)}`);
    return reply as unknown[];
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
        await withTimeout(next.script(next.keys, next.args), this.#timeoutMs, "budget settle (retry)");
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

/** Spent counters live one day past their window, so a late settle still finds them. */
function counterTtlMs(period: BudgetPeriod, nowMs: number): number {
  return budgetWindow(period, nowMs).toMs - nowMs + dayMs;
}

function seededScopeId(projectId: string, agentId: string | undefined, period: BudgetPeriod): string {
  return `${projectId}\u001f${agentId ?? ""}\u001f${agentId === undefined ? "project" : "agent"}\u001f${period}`;
}

/** A read script's reply {held, spent1, spent2, ...} as one standing per limit. */
function standingsFrom(limits: BudgetLimit[], reply: unknown[], nowMs: number): PeriodStanding[] {
  return limits.map((limit, index) => ({
    period: limit.period,
    limitNanoUsd: limit.limitNanoUsd,
    spentNanoUsd: Number(reply[1 + index]),
    heldNanoUsd: Number(reply[0]),
    resetsAtMs: budgetWindow(limit.period, nowMs).toMs,
  }));
}
