-- A request of the thread made at `position` is on its way to enqueue: until it is withdrawn (or
-- `within_ms` passes), no job of the thread positioned after it starts. Deadlines use Redis's clock.
local incoming = KEYS[1]
local position = ARGV[1]
local within_ms = ARGV[2]

redis.call('ZADD', incoming, now_ms() + tonumber(within_ms), position)
redis.call('PEXPIRE', incoming, within_ms)
return 1
