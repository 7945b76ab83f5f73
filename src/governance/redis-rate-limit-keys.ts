import type { RateLimitKind, RateLimitRequest, RateLimitScope } from "./rate-limiter.js";
import { projectKeyBase } from "./redis-script.js";

/**
 * The counter of one limit in one UTC minute (`<minute>` = epoch ms / 60 000):
 *
 * - `<prefix>{p:<project>}:ratelimit:project:<minute>` and
 *   `...:ratelimit:agent:<agent>:<minute>`: requests;
 * - `...:ratelimit:tpm:project:<minute>` and `...:ratelimit:tpm:agent:<agent>:<minute>`: tokens;
 * - `<prefix>{k:<key id>}:ratelimit:key:<minute>` and `...:ratelimit:tpm:key:<minute>`:
 *   a managed client key's, across every project it acts for.
 *
 * A project's counters share its hash slot (one script checks and counts
 * them together); a key's live in the key's own slot, so on Redis Cluster a
 * request limited by both runs one script in each.
 */
export function redisRateLimitKey(
  keyPrefix: string,
  request: RateLimitRequest,
  limit: { scope: RateLimitScope; kind: RateLimitKind },
  windowIndex: number,
): string {
  const kind = limit.kind === "tpm" ? "tpm:" : "";
  if (limit.scope === "key")
    return `${keyKeyBase(keyPrefix, request.keyId ?? "")}:ratelimit:${kind}key:${windowIndex}`;
  const base = `${projectKeyBase(keyPrefix, request.projectId)}:ratelimit:${kind}`;
  return limit.scope === "project"
    ? `${base}project:${windowIndex}`
    : `${base}agent:${request.agentId}:${windowIndex}`;
}

/** The hash slot a scope's counters live in: the project's, or the key's. */
export function rateLimitSlot(scope: RateLimitScope): "project" | "key" {
  return scope === "key" ? "key" : "project";
}

function keyKeyBase(keyPrefix: string, keyId: string): string {
  if (keyId === "" || /[{}]/.test(keyId))
    throw new RangeError(`key id ${JSON.stringify(keyId)} is empty or has a brace`);
  return `${keyPrefix}{k:${keyId}}`;
}
