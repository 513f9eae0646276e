-- Move an entry this consumer holds to the dead-letter stream and ack it: 1, else 0.
local stream = KEYS[1]
local order = KEYS[2]
local dead = KEYS[3]
local running = KEYS[4]
local group = ARGV[1]
local consumer = ARGV[2]
local entry = ARGV[3]
local body = ARGV[4]
local reason = ARGV[5]
local dead_maxlen = ARGV[6]
local retention_ms = ARGV[7]
local attempt = ARGV[8]

if owner(stream, group, entry) ~= consumer then return 0 end
redis.call('XADD', dead, 'MAXLEN', '~', dead_maxlen, '*', 'job', body, 'reason', reason,
           'attempt', attempt, 'entry', entry)
redis.call('PEXPIRE', dead, retention_ms)
finish(stream, group, order, running, entry)
return 1
