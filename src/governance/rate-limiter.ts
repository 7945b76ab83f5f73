import type { RateLimitConfig } from "../config/gateway-config.js";
import { GatewayError } from "../core/gateway-error.js";

export interface RateLimitRequest {
  projectId: string;
  agentId: string;
}

/**
 * Requests per minute per project and per agent. `check` counts the request
 * when every limit admits it and throws `GW_ERR_RATE_LIMITED` (with
 * `retryAfterSeconds`) when one does not; a refused request is not counted,
 * so a caller retrying too early does not push its own window further out.
 *
 * Windows are fixed UTC minutes: exactly N requests per minute, and a burst
 * of up to 2N within one 60 s span that straddles a minute boundary.
 */
export interface RateLimiter {
  check(request: RateLimitRequest): Promise<void>;
}

/** The limits of one request; undefined means unlimited. */
export interface ApplicableRateLimits {
  projectRpm: number | undefined;
  agentRpm: number | undefined;
}

/** A project's own limits win over the defaults; `agentRpm` applies to each agent of the project. */
export function applicableRateLimits(config: RateLimitConfig, projectId: string): ApplicableRateLimits {
  const project = Object.hasOwn(config.projects, projectId) ? config.projects[projectId] : undefined;
  return {
    projectRpm: project?.projectRpm ?? config.defaultProjectRpm,
    agentRpm: project?.agentRpm ?? config.defaultAgentRpm,
  };
}

export const rateWindowMs = 60_000;

/** The fixed UTC minute holding `nowMs`. */
export function rateWindow(nowMs: number): { index: number; endMs: number } {
  const index = Math.floor(nowMs / rateWindowMs);
  return { index, endMs: (index + 1) * rateWindowMs };
}

export function rateLimitedError(
  request: RateLimitRequest,
  scope: "project" | "agent",
  limitRpm: number,
  nowMs: number,
): GatewayError {
  const { endMs } = rateWindow(nowMs);
  const retryAfterSeconds = Math.max(1, Math.ceil((endMs - nowMs) / 1000));
  const who =
    scope === "project"
      ? `project "${request.projectId}"`
      : `agent "${request.agentId}" in project "${request.projectId}"`;
  return new GatewayError(
    "GW_ERR_RATE_LIMITED",
    `Rate limit exceeded: ${who} may send ${limitRpm} requests per minute and this minute's are used. ` +
      `Retry in ${retryAfterSeconds} s (at ${new Date(endMs).toISOString()}).`,
    {
      retryAfterSeconds,
      details: {
        scope,
        project_id: request.projectId,
        ...(scope === "agent" ? { agent_id: request.agentId } : {}),
        limit_rpm: limitRpm,
        resets_at: new Date(endMs).toISOString(),
      },
    },
  );
}
