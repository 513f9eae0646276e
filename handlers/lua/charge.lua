-- Charge one answer's tokens to its user and channel for today, once per question.
-- KEYS[1] the question's "charged" marker, KEYS[2] user tokens today, KEYS[3] channel tokens today
-- ARGV[1] tokens, ARGV[2] day window TTL (s)
-- Returns 1 when charged, 0 when this question was charged already (a redelivered job).
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) == false then
  return 0
end
for i = 2, 3 do
  redis.call('INCRBY', KEYS[i], ARGV[1])
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return 1
