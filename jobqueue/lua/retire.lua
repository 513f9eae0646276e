-- Remove this consumer from the group if it holds nothing: 1, else 0.
local stream = KEYS[1]
local group = ARGV[1]
local consumer = ARGV[2]

if #redis.call('XPENDING', stream, group, '-', '+', 1, consumer) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', stream, group, consumer)
return 1
