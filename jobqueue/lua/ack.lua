-- Ack and delete a finished entry if this consumer still holds it: 1, else 0.
local stream = KEYS[1]
local order = KEYS[2]
local running = KEYS[3]
local group = ARGV[1]
local consumer = ARGV[2]
local entry = ARGV[3]

if owner(stream, group, entry) ~= consumer then return 0 end
finish(stream, group, order, running, entry)
return 1
