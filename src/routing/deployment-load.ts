import { type RateLimitReading, type ResponseHeaders, readRateLimitHeaders } from "./rate-limit-headers.js";

/** How long "no requests left" holds a deployment back when the provider gave no reset time. */
const holdWithoutResetMs = 1_000;
/** Weight of the newest time to first token in the running average: recent enough to follow a slowdown. */
const firstTokenSmoothing = 0.3;

/** What a request needs of a deployment's token quota: its estimated prompt and its output allowance. */
export interface TokenNeed {
  inputTokens: number;
  outputTokens: number;
}

/**
 * One deployment's live state in this process: calls under way, answers
 * served since start, recent time to first token, and what its provider's
 * rate-limit headers said is left. Plain fields, read on every request by the
 * balancer without a lookup; written by the router and the provider call.
 */
export class DeploymentLoad {
  inFlight = 0;
  served = 0;
  /** Running average of the time to first token (ms); undefined before the first streamed answer. */
  firstTokenMs: number | undefined;
  private limits: RateLimitReading | undefined;
  private limitsReadAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Handed to the provider call (`onResponseHeaders`): bound once, so a call allocates nothing for it. */
  readonly noteResponseHeaders = (status: number, headers: ResponseHeaders): void => {
    const now = this.now();
    const reading = readRateLimitHeaders(status, headers, now);
    if (!reading) return;
    // A 429's retry-after outlives the next answer's headers, which may not repeat it.
    const retryAt = reading.retryAt ?? this.limits?.retryAt;
    this.limits = retryAt !== undefined && retryAt > now ? { ...reading, retryAt } : reading;
    this.limitsReadAt = now;
  };

  noteFirstToken(ms: number): void {
    this.firstTokenMs =
      this.firstTokenMs === undefined
        ? ms
        : this.firstTokenMs + firstTokenSmoothing * (ms - this.firstTokenMs);
  }

  /**
   * Epoch ms until which the provider said this deployment cannot take the
   * request (no requests left, fewer tokens left than it needs, a 429's
   * retry-after), or 0 when it can.
   */
  heldBackUntil(need: TokenNeed, now: number = this.now()): number {
    const limits = this.limits;
    if (!limits) return 0;
    const fallback = this.limitsReadAt + holdWithoutResetMs;
    let until = 0;
    const hold = (short: boolean, resetAt: number | undefined) => {
      if (!short) return;
      const at = resetAt ?? fallback;
      if (at > now && at > until) until = at;
    };
    if (limits.retryAt !== undefined && limits.retryAt > now) until = limits.retryAt;
    hold(limits.requestsRemaining === 0, limits.requestsResetAt);
    const total = need.inputTokens + need.outputTokens;
    hold(limits.tokensRemaining !== undefined && limits.tokensRemaining < total, limits.tokensResetAt);
    hold(
      limits.inputTokensRemaining !== undefined && limits.inputTokensRemaining < need.inputTokens,
      limits.inputTokensResetAt,
    );
    hold(
      limits.outputTokensRemaining !== undefined && limits.outputTokensRemaining < need.outputTokens,
      limits.outputTokensResetAt,
    );
    return until;
  }
}
