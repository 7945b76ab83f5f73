import {
  errorMessage,
  type GovernanceLogger,
  silentGovernanceLogger,
  throttledWarning,
} from "./governance-logger.js";
import type { GovernancePolicy } from "./governance-policy.js";
import {
  type ApplicableRateLimit,
  assertTokenCount,
  limitsInScopes,
  limitsToCount,
  type RateLimiter,
  type RateLimitRequest,
  type RateLimitScope,
  type RateLimitStanding,
  rateLimitedError,
  rateWindow,
  rateWindowMs,
  settleDelta,
} from "./rate-limiter.js";
import { rateLimitSlot, redisRateLimitKey } from "./redis-rate-limit-keys.js";
import { adjustRateScript, admitRateScript } from "./redis-rate-limit-scripts.js";
import {
  assertKeyPrefix,
  defineRedisScript,
  type GovernanceRedisClient,
  type RedisScript,
  withTimeout,
} from "./redis-script.js";
import { defaultTokenReservationTtlMs, TokenReservations } from "./token-reservations.js";

export interface RedisRateLimiterOptions {
  /** Shared with other parts if the caller likes; the limiter never quits it. */
  client: GovernanceRedisClient;
  keyPrefix: string;
  /** Read on every request, never copied: a limit changed at runtime applies to the next request. */
  policy: GovernancePolicy;
  /** Longest wait for Redis before it counts as unreachable. Default 500 ms. */
  operationTimeoutMs?: number;
  logger?: GovernanceLogger;
  /** Epoch ms; windows follow it. Replicas should run NTP-synced clocks. */
  now?: () => number;
  reservationTtlMs?: number;
}

/** Where a reservation's estimate was counted: the request and its token limits' scopes that answered. */
interface CountedTokens {
  request: RateLimitRequest;
  limits: ApplicableRateLimit[];
}

/**
 * Rate limits shared by every replica through Redis (standalone or Cluster):
 * one Lua script per slot checks and counts a fixed UTC-minute window per
 * limit (keys in redis-rate-limit-keys.ts, expiring a minute after their
 * window). Exactly N requests (tokens) admitted per minute across replicas;
 * up to 2N in a 60 s span straddling a boundary. Requests without a limit
 * cost no round trip.
 *
 * A request limited by its project (or agent) and by its client key runs two
 * scripts, project slot first; when the key refuses it, a second script takes
 * the project's counts back, so a refused request counts nowhere (another
 * request racing it in that instant may see the project fuller than it ends).
 *
 * Token reservations are settled by the replica that admitted the request
 * (see TokenReservations): Redis holds only the sums.
 *
 * Fails OPEN: when Redis errs or does not answer within `operationTimeoutMs`,
 * the request is admitted (and its tokens left uncounted) and a warning
 * logged (at most one line per 10 s), since refusing all traffic over a
 * counter would turn a Redis outage into a gateway outage.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #client: GovernanceRedisClient;
  readonly #keyPrefix: string;
  readonly #policy: GovernancePolicy;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #admit: RedisScript;
  readonly #adjust: RedisScript;
  readonly #reservations: TokenReservations<CountedTokens[]>;
  readonly #warnUnreachable: (details: object) => void;
  readonly #warnUncorrected: (details: object) => void;

  constructor(options: RedisRateLimiterOptions) {
    assertKeyPrefix(options.keyPrefix);
    this.#client = options.client;
    this.#keyPrefix = options.keyPrefix;
    this.#policy = options.policy;
    this.#timeoutMs = options.operationTimeoutMs ?? 500;
    this.#now = options.now ?? Date.now;
    this.#admit = defineRedisScript(options.client, "llmGatewayRateAdmit", admitRateScript);
    this.#adjust = defineRedisScript(options.client, "llmGatewayRateAdjust", adjustRateScript);
    this.#reservations = new TokenReservations(options.reservationTtlMs ?? defaultTokenReservationTtlMs);
    const logger = options.logger ?? silentGovernanceLogger;
    this.#warnUnreachable = throttledWarning(
      logger,
      "rate limits: Redis unreachable; admitting requests without a rate check (fail open)",
      { now: this.#now },
    );
    this.#warnUncorrected = throttledWarning(
      logger,
      "rate limits: Redis unreachable; a minute's counts were left uncorrected (fail open)",
      { now: this.#now },
    );
  }

  async check(request: RateLimitRequest, estimateTokens?: () => Promise<number>): Promise<void> {
    const counting = await limitsToCount(this.#policy, request, estimateTokens, this.#now);
    if (!counting) return;
    const { counted, estimate } = counting;
    const nowMs = this.#now();
    const { index, endMs } = rateWindow(nowMs);
    const ttlMs = endMs - nowMs + rateWindowMs;
    const amount = (limit: ApplicableRateLimit) => (limit.kind === "rpm" ? 1 : estimate);
    const answered: ApplicableRateLimit[][] = [];
    for (const slot of (["project", "key"] as const).map((name) =>
      counted.filter((limit) => rateLimitSlot(limit.scope) === name),
    )) {
      if (slot.length === 0) continue;
      const keys = slot.map((limit) => redisRateLimitKey(this.#keyPrefix, request, limit, index));
      const args = [ttlMs, ...slot.flatMap((limit) => [limit.limit, amount(limit)])];
      let verdict: unknown;
      try {
        verdict = await withTimeout(this.#admit(keys, args), this.#timeoutMs, "rate limit check");
      } catch (error) {
        this.#warnUnreachable({ projectId: request.projectId, error: errorMessage(error) });
        continue;
      }
      const [refusedAt, used] = verdict as [number, number?];
      if (refusedAt !== 0) {
        await Promise.all(answered.map((taken) => this.#takeBack(request, taken, amount, index, ttlMs)));
        const limit = slot[refusedAt - 1] as ApplicableRateLimit;
        throw rateLimitedError(request, limit, nowMs, { used: used ?? 0, requested: estimate });
      }
      answered.push(slot);
    }
    const tokenScopes = answered
      .map((slot) => ({ request, limits: slot.filter((limit) => limit.kind === "tpm") }))
      .filter((scope) => scope.limits.length > 0);
    if (tokenScopes.length > 0 && request.requestId !== undefined) {
      this.#reservations.add(request.requestId, {
        windowIndex: index,
        reservedTokens: estimate,
        scopes: tokenScopes,
        admittedAtMs: nowMs,
      });
    }
  }

  async settle(requestId: string, tokens: number): Promise<void> {
    assertTokenCount(tokens);
    await this.#replace(requestId, tokens);
  }

  addBookedTokens(requestId: string, tokens: number): void {
    assertTokenCount(tokens);
    this.#reservations.join(requestId, tokens);
  }

  async release(requestId: string): Promise<void> {
    await this.#replace(requestId, 0);
  }

  async standing(request: RateLimitRequest, scopes: readonly RateLimitScope[]): Promise<RateLimitStanding[]> {
    const nowMs = this.#now();
    const { index, endMs } = rateWindow(nowMs);
    const limits = limitsInScopes(this.#policy, request, scopes);
    // One GET per counter: on a Cluster a project's and a key's counters live in different slots.
    const counts = await withTimeout(
      Promise.all(
        limits.map((limit) => this.#client.get(redisRateLimitKey(this.#keyPrefix, request, limit, index))),
      ),
      this.#timeoutMs,
      "rate limit standing",
    );
    return limits.map((limit, position) => ({
      ...limit,
      used: Number(counts[position] ?? 0),
      resetsAtMs: endMs,
    }));
  }

  async #replace(requestId: string, tokens: number): Promise<void> {
    const reservation = this.#reservations.take(requestId);
    if (!reservation) return;
    const nowMs = this.#now();
    const current = rateWindow(nowMs).index;
    const windowIndex = reservation.windowIndex === current ? reservation.windowIndex : current;
    const delta = settleDelta(
      reservation.reservedTokens,
      tokens + reservation.joinedTokens,
      reservation.windowIndex === current,
    );
    if (delta === 0) return;
    const ttlMs = (windowIndex + 1) * rateWindowMs - nowMs + rateWindowMs;
    await Promise.all(
      reservation.scopes.map(({ request, limits }) =>
        this.#run(
          limits.map((limit) => redisRateLimitKey(this.#keyPrefix, request, limit, windowIndex)),
          [ttlMs, ...limits.map(() => delta)],
          request,
        ),
      ),
    );
  }

  /** Undoes what one slot counted for a request another slot then refused. */
  async #takeBack(
    request: RateLimitRequest,
    slot: ApplicableRateLimit[],
    amount: (limit: ApplicableRateLimit) => number,
    windowIndex: number,
    ttlMs: number,
  ): Promise<void> {
    await this.#run(
      slot.map((limit) => redisRateLimitKey(this.#keyPrefix, request, limit, windowIndex)),
      [ttlMs, ...slot.map((limit) => -amount(limit))],
      request,
    );
  }

  async #run(keys: string[], args: number[], request: RateLimitRequest): Promise<void> {
    try {
      await withTimeout(this.#adjust(keys, args), this.#timeoutMs, "rate limit correction");
    } catch (error) {
      this.#warnUncorrected({ projectId: request.projectId, error: errorMessage(error) });
    }
  }
}
