/**
 * The key scope's scripts: like redis-budget-scripts.ts, with one held sum
 * (field `key`) instead of a project's and its agents'. KEYS[1..3] are always
 * the key's reservations hash, reservation-expiry sorted set and held hash.
 */
const prelude = `
local reservations, expiry, held = KEYS[1], KEYS[2], KEYS[3]
local function drop(id)
  redis.call('ZREM', expiry, id)
  local amount = redis.call('HGET', reservations, id)
  if not amount then return end
  redis.call('HDEL', reservations, id)
  if amount ~= '0' and redis.call('HINCRBY', held, 'key', '-' .. amount) <= 0 then
    redis.call('HDEL', held, 'key')
  end
end
local function sweep(now)
  local lapsed = redis.call('ZRANGEBYSCORE', expiry, '-inf', now, 'LIMIT', 0, 500)
  for _, id in ipairs(lapsed) do drop(id) end
end
`;

/**
 * KEYS[4..]: the spent counter of each limited period.
 * ARGV: request id, amount, now ms, hold expiry ms, reservation keys TTL ms, then one limit per counter.
 * Returns {1} when held (or already held), else {0, spent1, held, spent2, held, ...}.
 */
export const reserveKeyBudgetScript = `${prelude}
local id, amount = ARGV[1], ARGV[2]
sweep(ARGV[3])
if redis.call('HEXISTS', reservations, id) == 1 then return {1} end
local heldNow = redis.call('HGET', held, 'key') or '0'
local standings, fits = {0}, true
for i = 1, #KEYS - 3 do
  local spent = redis.call('GET', KEYS[3 + i]) or '0'
  if tonumber(spent) + tonumber(heldNow) + tonumber(amount) > tonumber(ARGV[5 + i]) then fits = false end
  standings[2 * i] = spent
  standings[2 * i + 1] = heldNow
end
if not fits then return standings end
redis.call('HSET', reservations, id, amount)
redis.call('ZADD', expiry, ARGV[4], id)
if amount ~= '0' then redis.call('HINCRBY', held, 'key', amount) end
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
return {1}
`;

/**
 * KEYS[4]: the request's booked marker; KEYS[5], KEYS[6]: the day and month spend counters.
 * ARGV: request id, cost, now ms, marker TTL ms, day counter TTL ms, month counter TTL ms.
 * Drops the hold either way; books only if the marker is new. Returns {0} for a repeat, else
 * {1, day spent, month spent} after booking.
 * The counters are the key's spend ledger: always booked, created if missing.
 */
export const settleKeyBudgetScript = `${prelude}
sweep(ARGV[3])
drop(ARGV[1])
if not redis.call('SET', KEYS[4], '1', 'NX', 'PX', ARGV[4]) then return {0} end
local reply = {1}
for i = 5, 6 do
  reply[#reply + 1] = redis.call('INCRBY', KEYS[i], ARGV[2])
  redis.call('PEXPIRE', KEYS[i], ARGV[i])
end
return reply
`;

/** ARGV: request id, now ms. Drops the hold if there is one. */
export const releaseKeyBudgetScript = `${prelude}
sweep(ARGV[2])
drop(ARGV[1])
return 1
`;

/** KEYS[4..]: spent counters. ARGV: now ms. Returns {held, spent1, spent2, ...} after sweeping lapsed holds. */
export const readKeyBudgetScript = `${prelude}
sweep(ARGV[1])
local reply = {redis.call('HGET', held, 'key') or '0'}
for i = 4, #KEYS do reply[#reply + 1] = redis.call('GET', KEYS[i]) or '0' end
return reply
`;
