-- Handing back makes an entry claimable at once and forgives the delivery it cost: the job did not fail.
local stream = KEYS[1]
local group = ARGV[1]
local consumer = ARGV[2]
local idle_ms = ARGV[3]
local first_entry = 4  -- ARGV[4..] are entry ids

for i = first_entry, #ARGV do
  local entry = ARGV[i]
  local who, deliveries = owner(stream, group, entry)
  if who == consumer then
    redis.call('XCLAIM', stream, group, consumer, 0, entry, 'IDLE', idle_ms,
               'RETRYCOUNT', math.max(deliveries - 1, 0), 'JUSTID')
  end
end
return 1
