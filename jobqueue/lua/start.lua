-- Whether an entry may run now: 'run', 'wait' (an earlier job of its thread is outstanding) or 'lost'.
local stream = KEYS[1]
local order = KEYS[2]
local group = ARGV[1]
local consumer = ARGV[2]
local entry = ARGV[3]

if owner(stream, group, entry) ~= consumer then return 'lost' end
if not redis.call('LPOS', order, entry) then return 'run' end  -- order record expired: do not strand it
-- Entries ahead of ours were delivered before it (the group delivers in stream order), so a head
-- that is no longer pending was acked or trimmed outside this package: drop it.
for _ = 1, 100 do
  local head = redis.call('LINDEX', order, 0)
  if head == entry then return 'run' end
  if owner(stream, group, head) then return 'wait' end
  redis.call('LPOP', order)
end
return 'wait'
