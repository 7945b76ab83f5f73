import type { UsageTotals } from "../core/usage-record.js";

/**
 * Every key of a project carries the hash tag `{p:<project>}`, so on Redis
 * Cluster they all live in one slot and one Lua script may touch them:
 *
 * - `<prefix>{p:<project>}:usage:req:<request id>`: "1" while the request id is
 *   remembered (SET NX + TTL), which makes booking idempotent;
 * - `<prefix>{p:<project>}:usage:hour:<hour start ms>`: a hash per UTC hour,
 *   one field per agent x model x metric, incremented with HINCRBY;
 * - `<prefix>{p:<project>}:usage:hours`: a sorted set of the hours holding
 *   usage (score = member = hour start ms), so any window, `all` included,
 *   reads only the hours that exist.
 */
export function redisUsageKeys(prefix: string, projectId: string) {
  const base = `${prefix}{p:${projectId}}:usage`;
  return {
    request: (requestId: string) => `${base}:req:${requestId}`,
    hour: (hourStartMs: number | string) => `${base}:hour:${hourStartMs}`,
    hours: `${base}:hours`,
  };
}

/**
 * `<prefix>usage:projects`: a set of every project id with usage. It has no
 * project hash tag, so on a Cluster it lives in a slot of its own: the booking
 * script (which may touch one project's slot only) cannot add to it, and the
 * store adds with a separate SADD once the script has booked.
 */
export function redisProjectsKey(prefix: string): string {
  return `${prefix}usage:projects`;
}

/** Short metric names: a field is stored once per agent x model x hour. */
export const redisMetricNames: Record<keyof UsageTotals, string> = {
  requests: "n",
  inputTokens: "in",
  outputTokens: "out",
  cachedInputTokens: "cin",
  cacheWriteInputTokens: "cw",
  costNanoUsd: "nusd",
  cacheHits: "ch",
  savedNanoUsd: "snusd",
};

// Identifiers never hold control characters (assertValidUsageRecord), so this separator is unambiguous.
const separator = "\u001f";

export function redisHourField(agentId: string, model: string, metric: string): string {
  return `${agentId}${separator}${model}${separator}${metric}`;
}

export function parseRedisHourField(
  field: string,
): { agentId: string; model: string; metric: string } | undefined {
  const [agentId, model, metric, extra] = field.split(separator);
  if (agentId === undefined || model === undefined || metric === undefined || extra !== undefined)
    return undefined;
  return { agentId, model, metric };
}

/**
 * KEYS: request marker, hour hash, hours index. ARGV: marker TTL seconds,
 * hour start ms, then field/increment pairs. Books only when the marker is
 * new; returns 1 when booked, 0 for a duplicate. Runs atomically, so no
 * reader ever sees a marker without its totals.
 */
export const bookUsageScript = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[2])
return 1
`;
