/**
 * Lua run atomically by Redis, so a check and its hold can never interleave
 * with another replica's. Amounts travel as decimal strings and are compared
 * with tonumber (doubles: exact up to 2^53 nano-USD, about $9M, far above any
 * sane per-request amount); they are never turned back into strings in Lua,
 * where 1e15 would print as "1e+15" and break INCRBY.
 *
 * KEYS[1..3] are always: reservations hash, reservation-expiry sorted set,
 * held-sums hash (see redis-budget-keys.ts).
 */
const prelude = `
local reservations, expiry, held = KEYS[1], KEYS[2], KEYS[3]
local function unhold(field, amount)
  if amount ~= '0' and redis.call('HINCRBY', held, field, '-' .. amount) <= 0 then
    redis.call('HDEL', held, field)
  end
end
local function drop(id)
  redis.call('ZREM', expiry, id)
  local entry = redis.call('HGET', reservations, id)
  if not entry then return end
  redis.call('HDEL', reservations, id)
  local amount, agent = string.match(entry, '^(%d+):(.*)$')
  unhold('project', amount)
  unhold('agent:' .. agent, amount)
end
-- Holds of crashed replicas lapse here; bounded so one call never stalls Redis.
local function sweep(now)
  local lapsed = redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, 500)
  for _, id in ipairs(lapsed) do drop(id) end
end
`;

/**
 * KEYS[4..]: one spent counter per applicable limit.
 * ARGV: request id, amount, now ms, hold expiry ms, agent id, reservation
 * keys TTL ms, then per limit: held field, limit.
 * Returns {1} when held (or already held), {-1} when a spent counter is missing (nothing held),
 * else {0, spent1, held1, spent2, held2, ...}.
 */
export const reserveBudgetScript = `${prelude}
local id, amount, agent = ARGV[1], ARGV[2], ARGV[5]
sweep(ARGV[3])
if redis.call('HEXISTS', reservations, id) == 1 then return {1} end
-- A counter missing here was never seeded, or was dropped (budget removed, Redis restarted): seed, retry.
for i = 4, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then return {-1} end
end
local standings, fits = {0}, true
for i = 1, #KEYS - 3 do
  local spent = redis.call('GET', KEYS[3 + i]) or '0'
  local heldNow = redis.call('HGET', held, ARGV[5 + 2 * i]) or '0'
  if tonumber(spent) + tonumber(heldNow) + tonumber(amount) > tonumber(ARGV[6 + 2 * i]) then fits = false end
  standings[2 * i] = spent
  standings[2 * i + 1] = heldNow
end
if not fits then return standings end
redis.call('HSET', reservations, id, amount .. ':' .. agent)
redis.call('ZADD', expiry, ARGV[4], id)
if amount ~= '0' then
  redis.call('HINCRBY', held, 'project', amount)
  redis.call('HINCRBY', held, 'agent:' .. agent, amount)
end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[6]) end
return {1}
`;

/**
 * KEYS[4]: the request's settled marker; KEYS[5..]: spent counters to book into.
 * ARGV: request id, actual cost, now ms, marker TTL ms, then one TTL ms per counter.
 * Drops the hold either way; books only if the marker is new. Returns {0} for a repeat, else
 * {1, counter1, counter2, ...}: each counter after booking, -1 where it does not exist.
 * A counter that does not exist is left alone: it is seeded from the usage store
 * (which has this cost) when a budget next needs it, so creating it here would
 * hide what was booked before (a budget set again after being removed, a new window).
 */
export const settleBudgetScript = `${prelude}
sweep(ARGV[3])
drop(ARGV[1])
if not redis.call('SET', KEYS[4], '1', 'NX', 'PX', ARGV[4]) then return {0} end
local reply = {1}
for i = 5, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    reply[#reply + 1] = redis.call('INCRBY', KEYS[i], ARGV[2])
    redis.call('PEXPIRE', KEYS[i], ARGV[i])
  else
    reply[#reply + 1] = -1
  end
end
return reply
`;

/**
 * KEYS[4..]: spent counters. ARGV: now ms, held field.
 * Returns {held, spent1, spent2, ...} after sweeping lapsed holds.
 */
export const readBudgetScript = `${prelude}
sweep(ARGV[1])
local reply = {redis.call('HGET', held, ARGV[2]) or '0'}
for i = 4, #KEYS do reply[#reply + 1] = redis.call('GET', KEYS[i]) or '0' end
return reply
`;

/** ARGV: request id, now ms. Drops the hold if there is one. */
export const releaseBudgetScript = `${prelude}
sweep(ARGV[2])
drop(ARGV[1])
return 1
`;
