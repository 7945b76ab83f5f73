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
  settleDelta,
} from "./rate-limiter.js";
import { defaultTokenReservationTtlMs, TokenReservations } from "./token-reservations.js";

/**
 * Rate limits in this process's memory: the single-replica default. After
 * the input estimate, checking and counting are synchronous, so concurrent
 * requests never slip past a limit. Nothing remote is involved, so it cannot
 * fail open or closed.
 */
export class LocalRateLimiter implements RateLimiter {
  readonly #policy: GovernancePolicy;
  readonly #now: () => number;
  #windowIndex = Number.NaN;
  /** Requests and tokens counted in the current minute, per counter (see `counterKey`). */
  readonly #counts = new Map<string, number>();
  /** Each reservation's token counters. */
  readonly #reservations: TokenReservations<string[]>;

  constructor(options: { policy: GovernancePolicy; now?: () => number; reservationTtlMs?: number }) {
    this.#policy = options.policy;
    this.#now = options.now ?? Date.now;
    this.#reservations = new TokenReservations(options.reservationTtlMs ?? defaultTokenReservationTtlMs);
  }

  async check(request: RateLimitRequest, estimateTokens?: () => Promise<number>): Promise<void> {
    const counting = await limitsToCount(this.#policy, request, estimateTokens, this.#now);
    if (!counting) return;
    const { counted, countsTokens, estimate } = counting;
    // Synchronous from here on: no other request runs between the checks and the counting.
    const nowMs = this.#now();
    this.#roll(nowMs);
    const amount = (limit: ApplicableRateLimit) => (limit.kind === "rpm" ? 1 : estimate);
    for (const limit of counted) {
      const used = this.#counts.get(counterKey(request, limit)) ?? 0;
      if (used + amount(limit) > limit.limit) {
        throw rateLimitedError(request, limit, nowMs, { used, requested: estimate });
      }
    }
    for (const limit of counted) {
      const key = counterKey(request, limit);
      this.#counts.set(key, (this.#counts.get(key) ?? 0) + amount(limit));
    }
    if (countsTokens && request.requestId !== undefined) {
      this.#reservations.add(request.requestId, {
        windowIndex: this.#windowIndex,
        reservedTokens: estimate,
        scopes: counted.filter((limit) => limit.kind === "tpm").map((limit) => counterKey(request, limit)),
        admittedAtMs: nowMs,
      });
    }
  }

  async settle(requestId: string, tokens: number): Promise<void> {
    assertTokenCount(tokens);
    this.#replace(requestId, tokens);
  }

  addBookedTokens(requestId: string, tokens: number): void {
    assertTokenCount(tokens);
    this.#reservations.join(requestId, tokens);
  }

  async release(requestId: string): Promise<void> {
    this.#replace(requestId, 0);
  }

  #replace(requestId: string, tokens: number): void {
    const reservation = this.#reservations.take(requestId);
    if (!reservation) return;
    this.#roll(this.#now());
    const delta = settleDelta(
      reservation.reservedTokens,
      tokens + reservation.joinedTokens,
      reservation.windowIndex === this.#windowIndex,
    );
    if (delta === 0) return;
    for (const key of reservation.scopes) {
      this.#counts.set(key, Math.max(0, (this.#counts.get(key) ?? 0) + delta));
    }
  }

  async standing(request: RateLimitRequest, scopes: readonly RateLimitScope[]): Promise<RateLimitStanding[]> {
    const nowMs = this.#now();
    this.#roll(nowMs);
    const { endMs } = rateWindow(nowMs);
    return limitsInScopes(this.#policy, request, scopes).map((limit) => ({
      ...limit,
      used: this.#counts.get(counterKey(request, limit)) ?? 0,
      resetsAtMs: endMs,
    }));
  }

  /** A new minute starts every count afresh. */
  #roll(nowMs: number): void {
    const { index } = rateWindow(nowMs);
    if (index === this.#windowIndex) return;
    this.#windowIndex = index;
    this.#counts.clear();
  }
}

/** Identifiers never hold control characters, so this separator is unambiguous. */
function counterKey(request: RateLimitRequest, limit: ApplicableRateLimit): string {
  const owner =
    limit.scope === "project"
      ? request.projectId
      : limit.scope === "agent"
        ? `${request.projectId}\u001f${request.agentId}`
        : request.keyId;
  return `${limit.kind}\u001f${limit.scope}\u001f${owner}`;
}
