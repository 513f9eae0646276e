-- Shared helpers, prepended to every script by jobqueue.scripts. They take their keys as arguments
-- because each script's named locals are declared after this prelude.

-- (holder, delivery count) of a pending entry, or (false, 0) when no consumer holds it.
local function owner(stream, group, id)
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  if #p == 0 then return false, 0 end
  return p[1][2], p[1][4]
end

-- Ack and delete a settled entry; dropping it from its thread's order makes the next entry the head.
local function finish(stream, group, order, id)
  redis.call('XACK', stream, group, id)
  redis.call('XDEL', stream, id)
  redis.call('LREM', order, 1, id)
end
