-- Shared helpers, prepended to every script by jobqueue.scripts. They take their keys as arguments
-- because each script's named locals are declared after this prelude.

-- (holder, delivery count) of a pending entry, or (false, 0) when no consumer holds it.
local function owner(stream, group, id)
  local p = redis.call('XPENDING', stream, group, id, id, 1)
  if #p == 0 then return false, 0 end
  return p[1][2], p[1][4]
end

-- Ack and delete a settled entry; dropping it from its thread's order makes the next entry the head.
local function finish(stream, group, order, running, id)
  redis.call('XACK', stream, group, id)
  redis.call('XDEL', stream, id)
  redis.call('LREM', order, 1, id)
  if redis.call('GET', running) == id then redis.call('DEL', running) end
end

-- Redis's own clock, in milliseconds: deadlines compared in scripts never depend on a host's clock.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Whether a request announced and not yet enqueued was made before `position` (expired ones dropped).
local function earlier_incoming(incoming, position)
  redis.call('ZREMRANGEBYSCORE', incoming, '-inf', now_ms())
  for _, other in ipairs(redis.call('ZRANGE', incoming, 0, 99)) do
    if tonumber(other) < position then return true end
  end
  return false
end

-- Whether stream id `a` comes after stream id `b` ("ms-seq" each).
local function later(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  if tonumber(ams) ~= tonumber(bms) then return tonumber(ams) > tonumber(bms) end
  return tonumber(aseq) > tonumber(bseq)
end

-- Whether an entry is still to be read by the group: in the stream, after its last delivered id.
local function undelivered(stream, group, id)
  if #redis.call('XRANGE', stream, id, id) == 0 then return false end
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local info = {}
    for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
    if info['name'] == group then return later(id, info['last-delivered-id']) end
  end
  return false
end

-- The order value an entry was enqueued with (its `order` field), or nil when it is gone.
local function order_of(stream, id)
  local found = redis.call('XRANGE', stream, id, id)
  if #found == 0 then return nil end
  local fields = found[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'order' then return tonumber(fields[i + 1]) end
  end
  return nil
end
