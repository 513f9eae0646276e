-- Refresh the given entries this consumer holds (resets their idle time, counts no delivery);
-- returns the ids it no longer holds.
local stream = KEYS[1]
local group = ARGV[1]
local consumer = ARGV[2]
local first_entry = 3  -- ARGV[3..] are entry ids

local lost = {}
for i = first_entry, #ARGV do
  local entry = ARGV[i]
  if owner(stream, group, entry) == consumer then
    redis.call('XCLAIM', stream, group, consumer, 0, entry, 'JUSTID')
  else
    table.insert(lost, entry)
  end
end
return lost
