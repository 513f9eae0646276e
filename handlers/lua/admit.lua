-- Admit one question, or say which limit refuses it, atomically for every replica on this Redis.
-- KEYS[1]  the question's "already counted" marker (a redelivered event or a pre-checked /analyze)
-- KEYS[2]  user questions this hour      KEYS[3]  channel questions this hour
-- KEYS[4]  user tokens today             KEYS[5]  channel tokens today
-- ARGV[1..4] the limits for KEYS[2..5] (0 = unlimited)
-- ARGV[5] hour window TTL (s), ARGV[6] marker TTL (s)
-- Returns {0, 0} when admitted, else {n, used}: n = 1..4 names the limit (KEYS[n + 1]) that refused.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, 0}
end
for i = 1, 4 do
  local limit = tonumber(ARGV[i])
  if limit > 0 then
    local used = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
    if used >= limit then
      return {i, used}
    end
  end
end
for i = 2, 3 do
  if redis.call('INCR', KEYS[i]) == 1 then
    redis.call('EXPIRE', KEYS[i], ARGV[5])
  end
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[6])
return {0, 0}
