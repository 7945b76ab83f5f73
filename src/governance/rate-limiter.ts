import type { KeyLimits, RateLimitConfig } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";
import type { GovernancePolicy } from "./governance-policy.js";

export interface RateLimitRequest {
  projectId: string;
  agentId: string;
  /** Unique per request: its token reservation is settled under it. Absent, no tokens are reserved. */
  requestId?: string;
  /** A managed client key's id and limits: they hold across every project the key acts for. */
  keyId?: string;
  keyLimits?: Pick<KeyLimits, "requestsPerMinute" | "tokensPerMinute">;
}

/**
 * Requests and tokens per minute, per project, per agent and per client key.
 *
 * `check` counts the request in every scope with a requests-per-minute limit
 * and, when a tokens-per-minute limit applies and the caller can estimate its
 * input (`estimateTokens`), reserves that estimate in the minute. It throws
 * `GW_ERR_RATE_LIMITED` (with `retryAfterSeconds`) when a limit would be
 * passed; the scopes are checked project, agent, key, and a refused request
 * counts in none of them, so a caller retrying too early does not push its
 * own window further out.
 *
 * `settle` replaces the reservation by the tokens booked for the request
 * (input + output); `release` gives it back (nothing was booked). Both are
 * keyed by request id, act once per request (the first wins), never reject,
 * and do nothing for a request without a reservation. `addBookedTokens`
 * joins tokens booked under another id for the request (a hedged call's
 * losing deployment) to what its settle or release then counts.
 *
 * Windows are fixed UTC minutes: exactly N requests (tokens) per minute, and
 * a burst of up to 2N within one 60 s span that straddles a minute boundary.
 * Tokens of a request settled in a later minute than it was admitted (a long
 * call) count what exceeds the reservation in the minute it was settled.
 */
export interface RateLimiter {
  check(request: RateLimitRequest, estimateTokens?: () => Promise<number>): Promise<void>;
  settle(requestId: string, tokens: number): Promise<void>;
  release(requestId: string): Promise<void>;
  addBookedTokens(requestId: string, tokens: number): void;
  /**
   * Where the limits of `request` in the listed scopes stand this minute (the admin API,
   * get_usage). Reads only; a store that cannot be read rejects.
   */
  standing(request: RateLimitRequest, scopes: readonly RateLimitScope[]): Promise<RateLimitStanding[]>;
}

/** One rate limit in the current UTC minute: what it allows, what is used, when it starts afresh. */
export interface RateLimitStanding extends ApplicableRateLimit {
  used: number;
  resetsAtMs: number;
}

export type RateLimitScope = "project" | "agent" | "key";
export type RateLimitKind = "rpm" | "tpm";

/** One limit that applies to a request. */
export interface ApplicableRateLimit {
  scope: RateLimitScope;
  kind: RateLimitKind;
  limit: number;
}

/**
 * The limits of one request, in the order they are checked (project, agent,
 * key; requests before tokens in each). A project's own limits win over the
 * defaults field by field; an agent's entry in `agents` wins over the
 * project's `agentRpm`/`agentTpm`. The policy is read as given, never copied.
 */
export function applicableRateLimits(
  config: RateLimitConfig,
  request: RateLimitRequest,
): ApplicableRateLimit[] {
  const project = Object.hasOwn(config.projects, request.projectId)
    ? config.projects[request.projectId]
    : undefined;
  const agent =
    project?.agents && Object.hasOwn(project.agents, request.agentId)
      ? project.agents[request.agentId]
      : undefined;
  const candidates: Array<[RateLimitScope, RateLimitKind, number | undefined]> = [
    ["project", "rpm", project?.projectRpm ?? config.defaultProjectRpm],
    ["project", "tpm", project?.projectTpm ?? config.defaultProjectTpm],
    ["agent", "rpm", agent?.rpm ?? project?.agentRpm ?? config.defaultAgentRpm],
    ["agent", "tpm", agent?.tpm ?? project?.agentTpm ?? config.defaultAgentTpm],
  ];
  if (request.keyId !== undefined) {
    candidates.push(["key", "rpm", request.keyLimits?.requestsPerMinute]);
    candidates.push(["key", "tpm", request.keyLimits?.tokensPerMinute]);
  }
  return candidates.flatMap(([scope, kind, limit]) => (limit === undefined ? [] : [{ scope, kind, limit }]));
}

export const rateWindowMs = 60_000;

/** The fixed UTC minute holding `nowMs`. */
export function rateWindow(nowMs: number): { index: number; endMs: number } {
  const index = Math.floor(nowMs / rateWindowMs);
  return { index, endMs: (index + 1) * rateWindowMs };
}

/**
 * What a settled request adds to a minute's token counts: the difference to
 * its reservation while the reservation's minute lasts; in a later minute,
 * only what exceeds the reservation (the earlier minute is over, its count
 * stands).
 */
export function settleDelta(reservedTokens: number, tokens: number, sameWindow: boolean): number {
  return sameWindow ? tokens - reservedTokens : Math.max(0, tokens - reservedTokens);
}

/** Throws unless `tokens` is a count (settling NaN would poison the counters of every replica). */
export function assertTokenCount(tokens: number): void {
  if (!Number.isSafeInteger(tokens) || tokens < 0) {
    throw new RangeError(`tokens must be a non-negative integer, got ${tokens}`);
  }
}

function who(request: RateLimitRequest, scope: RateLimitScope): string {
  if (scope === "project") return `project "${request.projectId}"`;
  if (scope === "agent") return `agent "${request.agentId}" in project "${request.projectId}"`;
  return `client key ${request.keyId}`;
}

function scopeDetails(request: RateLimitRequest, scope: RateLimitScope): Record<string, string> {
  return {
    scope,
    project_id: request.projectId,
    ...(scope === "agent" ? { agent_id: request.agentId } : {}),
    ...(scope === "key" && request.keyId !== undefined ? { key_id: request.keyId } : {}),
  };
}

/** A limit reached: the request fits again in the next minute. */
export function rateLimitedError(
  request: RateLimitRequest,
  limit: ApplicableRateLimit,
  nowMs: number,
  tokens?: { used: number; requested: number },
): GatewayError {
  const { endMs } = rateWindow(nowMs);
  const resetsAt = new Date(endMs).toISOString();
  const retryAfterSeconds = Math.max(1, Math.ceil((endMs - nowMs) / 1000));
  const retry = `Retry in ${retryAfterSeconds} s (at ${resetsAt}).`;
  if (limit.kind === "rpm") {
    return new GatewayError(
      "GW_ERR_RATE_LIMITED",
      `Rate limit exceeded: ${who(request, limit.scope)} may send ${limit.limit} requests per minute and this minute's are used. ${retry}`,
      {
        retryAfterSeconds,
        details: { ...scopeDetails(request, limit.scope), limit_rpm: limit.limit, resets_at: resetsAt },
      },
    );
  }
  const used = tokens?.used ?? 0;
  const requested = tokens?.requested ?? 0;
  return new GatewayError(
    "GW_ERR_RATE_LIMITED",
    `Rate limit exceeded: ${who(request, limit.scope)} may use ${limit.limit} tokens per minute; ` +
      `${used} are used this minute and this request's input is estimated at ${requested}. ${retry}`,
    {
      retryAfterSeconds,
      details: {
        ...scopeDetails(request, limit.scope),
        limit_tpm: limit.limit,
        used,
        requested,
        resets_at: resetsAt,
      },
    },
  );
}

/**
 * A request whose estimated input alone exceeds a tokens-per-minute limit:
 * waiting cannot help, so there is no retry-after (OpenAI answers such a
 * request 429 too, "Request too large").
 */
export function requestTooLargeError(
  request: RateLimitRequest,
  limit: ApplicableRateLimit,
  requested: number,
  nowMs: number,
): GatewayError {
  return new GatewayError(
    "GW_ERR_RATE_LIMITED",
    `Request too large for the rate limit: its input is estimated at ${requested} tokens, more than ` +
      `the ${limit.limit} tokens per minute ${who(request, limit.scope)} may use, so it can never be ` +
      "admitted. Shorten the prompt, or ask an operator to raise the limit.",
    {
      details: {
        ...scopeDetails(request, limit.scope),
        limit_tpm: limit.limit,
        requested,
        resets_at: new Date(rateWindow(nowMs).endMs).toISOString(),
      },
    },
  );
}

/** The first tokens-per-minute limit a request's estimate alone exceeds, if any. */
export function limitTooSmallFor(
  limits: ApplicableRateLimit[],
  estimate: number,
): ApplicableRateLimit | undefined {
  return limits.find((limit) => limit.kind === "tpm" && estimate > limit.limit);
}

/**
 * The limits a request is counted against now, and its estimated tokens: undefined when none
 * applies. Tokens are estimated (which costs CPU) only when a tokens-per-minute limit applies, and
 * a request larger than such a limit as a whole is refused here, since waiting cannot admit it.
 */
export async function limitsToCount(
  policy: GovernancePolicy,
  request: RateLimitRequest,
  estimateTokens: (() => Promise<number>) | undefined,
  now: () => number,
): Promise<{ counted: ApplicableRateLimit[]; countsTokens: boolean; estimate: number } | undefined> {
  const limits = applicableRateLimits(policy.rateLimits(), request);
  const countsTokens = estimateTokens !== undefined && limits.some((limit) => limit.kind === "tpm");
  const counted = countsTokens ? limits : limits.filter((limit) => limit.kind === "rpm");
  if (counted.length === 0) return undefined;
  if (!countsTokens) return { counted, countsTokens, estimate: 0 };
  const estimate = await estimateTokens();
  assertTokenCount(estimate);
  const tooSmall = limitTooSmallFor(counted, estimate);
  if (tooSmall) throw requestTooLargeError(request, tooSmall, estimate, now());
  return { counted, countsTokens, estimate };
}

/** The limits of `request` in `scopes`, as `standing` reports them. */
export function limitsInScopes(
  policy: GovernancePolicy,
  request: RateLimitRequest,
  scopes: readonly RateLimitScope[],
): ApplicableRateLimit[] {
  return applicableRateLimits(policy.rateLimits(), request).filter((limit) => scopes.includes(limit.scope));
}
