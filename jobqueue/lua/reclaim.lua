-- Take over entries idle longer than min_idle_ms: {next cursor, {{id, fields, delivery count}, ...}}.
local stream = KEYS[1]
local group = ARGV[1]
local consumer = ARGV[2]
local min_idle_ms = ARGV[3]
local cursor = ARGV[4]
local count = ARGV[5]

local r = redis.call('XAUTOCLAIM', stream, group, consumer, min_idle_ms, cursor, 'COUNT', count)
local out = {}
for _, e in ipairs(r[2]) do
  local _, deliveries = owner(stream, group, e[1])
  table.insert(out, {e[1], e[2], deliveries})
end
return {r[1], out}
