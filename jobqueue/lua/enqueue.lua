-- Add a job once: returns its entry id, or false when the job id was enqueued before.
local stream = KEYS[1]
local seen = KEYS[2]
local order = KEYS[3]
local body = ARGV[1]
local dedupe_ms = ARGV[2]
local retention_ms = ARGV[3]

if not redis.call('SET', seen, '1', 'NX', 'PX', dedupe_ms) then return false end
local id = redis.call('XADD', stream, '*', 'job', body)
-- Pushed in the same script as the XADD, so the order list is always in stream order.
redis.call('RPUSH', order, id)
redis.call('PEXPIRE', order, retention_ms)
return id
