-- Add a job once: returns its entry id, or false when the job id was enqueued before.
local stream = KEYS[1]
local seen = KEYS[2]
local order = KEYS[3]
local running = KEYS[4]
local body = ARGV[1]
local dedupe_ms = ARGV[2]
local retention_ms = ARGV[3]
local position = ARGV[4]

if not redis.call('SET', seen, '1', 'NX', 'PX', dedupe_ms) then return false end
local id = redis.call('XADD', stream, '*', 'job', body, 'order', position)
-- A thread's jobs run in the order of `position` (when the asking message was sent), not of arrival:
-- two messages sent back to back can reach the queue in reverse through two processes. Walk back from
-- the tail past the entries positioned after this one, but never ahead of the job that has started.
local started = redis.call('GET', running)
local ahead_of = nil
local n = redis.call('LLEN', order)
for i = n - 1, math.max(n - 100, 0), -1 do
  local other = redis.call('LINDEX', order, i)
  if other == started then break end
  local other_position = order_of(stream, other)
  if other_position == nil or other_position <= tonumber(position) then break end
  ahead_of = other
end
if ahead_of then
  redis.call('LINSERT', order, 'BEFORE', ahead_of, id)
else
  redis.call('RPUSH', order, id)
end
redis.call('PEXPIRE', order, retention_ms)
return id
