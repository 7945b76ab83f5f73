/**
 * Lua run atomically by Redis, so one replica's check and count never
 * interleave with another's. Every key of one call lives in one hash slot.
 * Counts are integers far below 2^53, compared with tonumber.
 */

/**
 * KEYS: the counters of one slot's applicable limits, in check order.
 * ARGV: counter TTL ms, then per counter: limit, amount (1 for a request,
 * the input estimate for tokens). Checks every counter before counting any,
 * so a refused request counts nowhere. Returns {0} when counted, else
 * {i, used}: the first counter whose limit the amount would pass.
 */
export const admitRateScript = `
for i = 1, #KEYS do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used + tonumber(ARGV[2 * i + 1]) > tonumber(ARGV[2 * i]) then return {i, used} end
end
for i = 1, #KEYS do
  if ARGV[2 * i + 1] ~= '0' then
    redis.call('INCRBY', KEYS[i], ARGV[2 * i + 1])
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
  end
end
return {0}
`;

/**
 * KEYS: counters of one slot. ARGV: counter TTL ms, then one delta per
 * counter. Adds each delta, never going below 0: a settled reservation (its
 * booked tokens minus its estimate), a released one, or the counts of a
 * request another slot refused. Returns 1.
 */
export const adjustRateScript = `
for i = 1, #KEYS do
  local delta = ARGV[i + 1]
  if delta ~= '0' then
    if redis.call('INCRBY', KEYS[i], delta) < 0 then redis.call('SET', KEYS[i], '0') end
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
  end
end
return 1
`;
