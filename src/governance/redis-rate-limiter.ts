import type { RateLimitConfig } from "../config/gateway-config.js";
import {
  errorMessage,
  type GovernanceLogger,
  silentGovernanceLogger,
  throttledWarning,
} from "./governance-logger.js";
import {
  applicableRateLimits,
  type RateLimiter,
  type RateLimitRequest,
  rateLimitedError,
  rateWindow,
  rateWindowMs,
} from "./rate-limiter.js";
import {
  assertKeyPrefix,
  defineRedisScript,
  type GovernanceRedisClient,
  projectKeyBase,
  type RedisScript,
  withTimeout,
} from "./redis-script.js";

/**
 * KEYS: project counter, agent counter (same hash slot). ARGV: project limit,
 * agent limit ("" for none), counter TTL ms. Checks both before counting
 * either, so a refused request counts nowhere. Returns 0 admitted, 1 project
 * limit reached, 2 agent limit reached.
 */
export const rateLimitScript = `
local limits = {ARGV[1], ARGV[2]}
for i = 1, 2 do
  if limits[i] ~= '' and tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(limits[i]) then return i end
end
for i = 1, 2 do
  if limits[i] ~= '' then
    redis.call('INCR', KEYS[i])
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
end
return 0
`;

export interface RedisRateLimiterOptions {
  /** Shared with other parts if the caller likes; the limiter never quits it. */
  client: GovernanceRedisClient;
  keyPrefix: string;
  config: RateLimitConfig;
  /** Longest wait for Redis before it counts as unreachable. Default 500 ms. */
  operationTimeoutMs?: number;
  logger?: GovernanceLogger;
  /** Epoch ms; windows follow it. Replicas should run NTP-synced clocks. */
  now?: () => number;
}

/**
 * Rate limits shared by every replica through Redis (standalone or Cluster):
 * one Lua script per request counts a fixed UTC-minute window per project and
 * per agent (`<prefix>{p:<project>}:ratelimit:project:<minute>` and
 * `...:ratelimit:agent:<agent>:<minute>`, one hash slot, expiring a minute
 * after their window). Exactly N admitted per minute across replicas; up to
 * 2N in a 60 s span straddling a boundary. Projects without a limit cost no
 * round trip.
 *
 * Fails OPEN: when Redis errs or does not answer within `operationTimeoutMs`,
 * the request is admitted and a warning logged (at most one line per 10 s),
 * since refusing all traffic over a counter would turn a Redis outage into a
 * gateway outage.
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #keyPrefix: string;
  readonly #config: RateLimitConfig;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #script: RedisScript;
  readonly #warnUnreachable: (details: object) => void;

  constructor(options: RedisRateLimiterOptions) {
    assertKeyPrefix(options.keyPrefix);
    this.#keyPrefix = options.keyPrefix;
    this.#config = options.config;
    this.#timeoutMs = options.operationTimeoutMs ?? 500;
    this.#now = options.now ?? Date.now;
    this.#script = defineRedisScript(options.client, "llmGatewayRateLimit", rateLimitScript);
    this.#warnUnreachable = throttledWarning(
      options.logger ?? silentGovernanceLogger,
      "rate limits: Redis unreachable; admitting requests without a rate check (fail open)",
      { now: this.#now },
    );
  }

  async check(request: RateLimitRequest): Promise<void> {
    const { projectRpm, agentRpm } = applicableRateLimits(this.#config, request.projectId);
    if (projectRpm === undefined && agentRpm === undefined) return;
    const nowMs = this.#now();
    const { index, endMs } = rateWindow(nowMs);
    const base = `${projectKeyBase(this.#keyPrefix, request.projectId)}:ratelimit`;
    let verdict: unknown;
    try {
      verdict = await withTimeout(
        this.#script(
          [`${base}:project:${index}`, `${base}:agent:${request.agentId}:${index}`],
          [projectRpm ?? "", agentRpm ?? "", endMs - nowMs + rateWindowMs],
        ),
        this.#timeoutMs,
        "rate limit check",
      );
    } catch (error) {
      this.#warnUnreachable({ projectId: request.projectId, error: errorMessage(error) });
      return;
    }
    if (verdict === 1) throw rateLimitedError(request, "project", projectRpm as number, nowMs);
    if (verdict === 2) throw rateLimitedError(request, "agent", agentRpm as number, nowMs);
  }
}
