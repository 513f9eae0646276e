-- Whether an entry may run now: 'run', 'wait' (an earlier job of its thread is outstanding), 'unread'
-- (that earlier job is still to be read from the stream) or 'lost'.
local stream = KEYS[1]
local order = KEYS[2]
local running = KEYS[3]
local incoming = KEYS[4]
local group = ARGV[1]
local consumer = ARGV[2]
local entry = ARGV[3]
local retention_ms = ARGV[4]

if owner(stream, group, entry) ~= consumer then return 'lost' end
if not redis.call('LPOS', order, entry) then return 'run' end  -- order record expired: do not strand it
-- A head that is neither held by a consumer nor still to be read was acked or trimmed outside this
-- package: drop it.
for _ = 1, 100 do
  local head = redis.call('LINDEX', order, 0)
  if head == entry then
    -- A request made before this one is still on its way (announced, not yet enqueued): let it go first.
    local mine = order_of(stream, entry)
    if mine ~= nil and earlier_incoming(incoming, mine) then return 'wait' end
    -- From now on no later-enqueued job of the thread is placed ahead of this one (enqueue.lua).
    redis.call('SET', running, entry, 'PX', retention_ms)
    return 'run'
  end
  if owner(stream, group, head) then return 'wait' end
  -- Placed ahead by its position but not read yet: whoever waits for it must keep reading.
  if undelivered(stream, group, head) then return 'unread' end
  redis.call('LPOP', order)
end
return 'wait'
