import type { GovernancePolicy } from "../governance/governance-policy.js";
import {
  assertTokenCount,
  limitsToCount,
  type RateLimiter,
  type RateLimitRequest,
  type RateLimitScope,
  type RateLimitStanding,
} from "../governance/rate-limiter.js";

import type { WorkerLink } from "./worker-link.js";

/**
 * A cluster worker's rate limits without Redis: the primary holds the cluster's one
 * `LocalRateLimiter`, so a limit of N requests a minute admits N across every worker. The input
 * estimate is made here (it costs CPU, and only when a tokens-per-minute limit applies), and a
 * request no limit applies to costs no message. Settles and releases go to the primary only for
 * requests that reserved tokens there.
 */
export class IpcRateLimiter implements RateLimiter {
  readonly #link: WorkerLink;
  readonly #policy: GovernancePolicy;
  /** Requests whose tokens the primary holds a reservation for. */
  readonly #reserved = new Set<string>();

  constructor(options: { link: WorkerLink; policy: GovernancePolicy }) {
    this.#link = options.link;
    this.#policy = options.policy;
  }

  async check(request: RateLimitRequest, estimateTokens?: () => Promise<number>): Promise<void> {
    const counting = await limitsToCount(this.#policy, request, estimateTokens, Date.now);
    if (!counting) return;
    const estimate = counting.countsTokens ? counting.estimate : undefined;
    await this.#link.call("rate.check", { request, estimate });
    if (estimate !== undefined && request.requestId !== undefined) this.#reserved.add(request.requestId);
  }

  async settle(requestId: string, tokens: number): Promise<void> {
    assertTokenCount(tokens);
    if (this.#reserved.delete(requestId)) this.#link.cast("rate.settle", { requestId, tokens });
  }

  async release(requestId: string): Promise<void> {
    if (this.#reserved.delete(requestId)) this.#link.cast("rate.release", { requestId });
  }

  addBookedTokens(requestId: string, tokens: number): void {
    assertTokenCount(tokens);
    if (this.#reserved.has(requestId)) this.#link.cast("rate.join", { requestId, tokens });
  }

  standing(request: RateLimitRequest, scopes: readonly RateLimitScope[]): Promise<RateLimitStanding[]> {
    return this.#link.call<RateLimitStanding[]>("rate.standing", { request, scopes });
  }
}
