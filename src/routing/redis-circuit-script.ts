import type {
  CircuitOperation,
  CircuitOutcome,
  CircuitPolicy,
  CircuitRecord,
} from "./apply-circuit-operation.js";
import type { CircuitState } from "./circuit-breaker.js";

/**
 * One hash per deployment, `<prefix>{c:<deployment>}:circuit`. The hash tag
 * puts everything the script touches in one slot, so it runs on Redis
 * Cluster, and deployments spread over the masters.
 */
export function redisCircuitKey(prefix: string, deployment: string): string {
  return `${prefix}{c:${deployment}}:circuit`;
}

/**
 * The channel transitions are published on. Classic PUBLISH reaches
 * subscribers on every node of a Cluster.
 */
export function redisCircuitChannel(prefix: string): string {
  return `${prefix}circuits`;
}

/**
 * `applyCircuitOperation`'s rules in Lua (keep the two in step), atomic on
 * Redis so every replica sees one order. Times come from Redis' own clock
 * (TIME) and leave as durations relative to it, so replicas' clock skew does
 * not shift cooldowns or leases.
 *
 * KEYS: the circuit hash. ARGV: channel, deployment, operation, generation or
 * trial token, failure threshold, cooldown ms, trial lease ms.
 *
 * Returns and, for changes others must hear of (opening, the first failure of
 * a run, trial taken or settled), publishes `[deployment, reply]` with reply
 * `[outcome, state, failures, generation, version, opened ms ago, open ms left,
 * trial, lease ms left]`.
 */
export const redisCircuitScript = `
local key = KEYS[1]
local channel, deployment, op, arg = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local threshold, cooldown, lease = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local saved = redis.call('HMGET', key, 's', 'f', 'g', 'v', 'o', 'u', 't', 'l')
local state = saved[1] or 'closed'
local failures = tonumber(saved[2]) or 0
local generation = tonumber(saved[3]) or 0
local version = tonumber(saved[4]) or 0
local openedAt = tonumber(saved[5]) or 0
local openUntil = tonumber(saved[6]) or 0
local trial = saved[7] or ''
local leaseUntil = tonumber(saved[8]) or 0

local function reply(outcome)
  return {outcome, state, failures, generation, version, math.max(0, now - openedAt),
    math.max(0, openUntil - now), trial, math.max(0, leaseUntil - now)}
end
local function save(outcome, notify)
  version = version + 1
  redis.call('HSET', key, 's', state, 'f', failures, 'g', generation, 'v', version,
    'o', openedAt, 'u', openUntil, 't', trial, 'l', leaseUntil)
  local result = reply(outcome)
  if notify then redis.call('PUBLISH', channel, cjson.encode({deployment, result})) end
  return result
end
local function open()
  state = 'open'
  generation = generation + 1
  openedAt = now
  openUntil = now + cooldown
  trial = ''
  leaseUntil = 0
end

if op == 'observe' then return reply('observed') end
if op == 'failure' then
  if state ~= 'closed' or generation ~= tonumber(arg) then return reply('ignored') end
  failures = failures + 1
  if failures < threshold then return save('counted', failures == 1) end
  open()
  return save('opened', true)
end
if op == 'success' then
  if state ~= 'closed' or generation ~= tonumber(arg) or failures == 0 then return reply('ignored') end
  failures = 0
  return save('reset', false)
end
if op == 'acquire_trial' then
  local outcome
  if state == 'closed' then return reply('closed') end
  if state == 'open' then
    if now < openUntil then return reply('open') end
    state = 'half_open'
    outcome = 'trial_after_cooldown'
  elseif trial == '' then
    outcome = 'trial'
  elseif now < leaseUntil then
    return reply('held')
  else
    outcome = 'trial_taken_over'
  end
  trial = arg
  leaseUntil = now + lease
  return save(outcome, true)
end
if op ~= 'trial_success' and op ~= 'trial_failure' and op ~= 'trial_release' then
  return redis.error_reply('unknown circuit operation ' .. tostring(op))
end
if state ~= 'half_open' or trial ~= arg then return reply('ignored') end
trial = ''
leaseUntil = 0
if op == 'trial_success' then
  state = 'closed'
  failures = 0
  return save('closed_by_trial', true)
end
if op == 'trial_failure' then
  open()
  return save('reopened', true)
end
return save('released', true)
`;

/** ARGV after the key, in the script's order. */
export function redisCircuitArguments(
  channel: string,
  deployment: string,
  operation: CircuitOperation,
  policy: CircuitPolicy,
): Array<string | number> {
  let argument: string | number = "";
  if ("generation" in operation) argument = operation.generation;
  else if ("token" in operation) argument = operation.token;
  return [
    channel,
    deployment,
    operation.kind,
    argument,
    policy.failureThreshold,
    policy.cooldownMs,
    policy.trialLeaseMs,
  ];
}

const states = new Set<unknown>(["closed", "open", "half_open"]);

/**
 * A script reply (or the reply inside a published message) as a record on
 * the local clock: durations relative to Redis' clock become local times.
 */
export function parseRedisCircuitReply(
  reply: unknown,
  now: number,
): { outcome: CircuitOutcome; record: CircuitRecord } {
  if (!Array.isArray(reply) || reply.length !== 9 || !states.has(reply[1]))
    throw new Error(`unexpected circuit script reply ${JSON.stringify(reply)}`);
  const [outcome, state, failures, generation, version, openedAgo, openLeft, trial, leaseLeft] = reply;
  return {
    outcome: outcome as CircuitOutcome,
    record: {
      state: state as CircuitState,
      consecutiveFailures: Number(failures),
      generation: Number(generation),
      version: Number(version),
      openedAt: now - Number(openedAgo),
      openUntil: now + Number(openLeft),
      trial: String(trial),
      leaseUntil: trial === "" ? 0 : now + Number(leaseLeft),
    },
  };
}
