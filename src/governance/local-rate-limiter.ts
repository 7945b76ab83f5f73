import type { RateLimitConfig } from "../config/gateway-config.js";
import {
  applicableRateLimits,
  type RateLimiter,
  type RateLimitRequest,
  rateLimitedError,
  rateWindow,
} from "./rate-limiter.js";

/**
 * Rate limits in this process's memory: the single-replica default. Counting
 * is synchronous, so concurrent requests never slip past a limit. Nothing
 * remote is involved, so it cannot fail open or closed.
 */
export class LocalRateLimiter implements RateLimiter {
  readonly #config: RateLimitConfig;
  readonly #now: () => number;
  #windowIndex = Number.NaN;
  /** Requests admitted in the current minute, per project and per project + agent. */
  readonly #counts = new Map<string, number>();

  constructor(options: { config: RateLimitConfig; now?: () => number }) {
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
  }

  async check(request: RateLimitRequest): Promise<void> {
    const { projectRpm, agentRpm } = applicableRateLimits(this.#config, request.projectId);
    if (projectRpm === undefined && agentRpm === undefined) return;
    const nowMs = this.#now();
    const { index } = rateWindow(nowMs);
    if (index !== this.#windowIndex) {
      this.#windowIndex = index;
      this.#counts.clear();
    }
    // Identifiers never hold control characters, so this separator is unambiguous.
    const projectKey = request.projectId;
    const agentKey = `${request.projectId}\u001f${request.agentId}`;
    if (projectRpm !== undefined && (this.#counts.get(projectKey) ?? 0) >= projectRpm)
      throw rateLimitedError(request, "project", projectRpm, nowMs);
    if (agentRpm !== undefined && (this.#counts.get(agentKey) ?? 0) >= agentRpm)
      throw rateLimitedError(request, "agent", agentRpm, nowMs);
    if (projectRpm !== undefined) this.#counts.set(projectKey, (this.#counts.get(projectKey) ?? 0) + 1);
    if (agentRpm !== undefined) this.#counts.set(agentKey, (this.#counts.get(agentKey) ?? 0) + 1);
  }
}
