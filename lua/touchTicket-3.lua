#!lua flags=allow-key-locking
--[[
  Marks one fan as present and says where their ticket stands. Called when a fan
  connects (stream, status poll), not on every position update.

  KEYS[1] queue     zset  waiting ticketId -> queue number
  KEYS[2] seen      zset  waiting ticketId -> last seen (ms)
  KEYS[3] admitted  zset  admitted ticketId -> claim deadline (ms)

  ARGV[1] ticket id
  ARGV[2] now (ms)

  Returns { code, value }
    1  WAITING    value = queue number; presence refreshed
    2  ADMITTED   value = claim deadline (ms), still open
    0  UNKNOWN    the ticket left the line (gone, claimed, or its claim window passed)
]]
local number = redis.call('ZSCORE', KEYS[1], ARGV[1])
if number then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  return { 1, tonumber(number) }
end
local deadline = redis.call('ZSCORE', KEYS[3], ARGV[1])
if deadline and tonumber(deadline) > tonumber(ARGV[2]) then return { 2, tonumber(deadline) } end
return { 0, 0 }
