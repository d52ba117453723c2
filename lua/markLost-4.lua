--[[
  Marks one bounded range of numbers as lost ahead of a restore (restoreLine-10), so a line
  of any length is rebuilt in many short script calls instead of one that holds Redis for
  seconds: every number in [from, to] that no waiting ticket holds goes into both `lost` (a
  fan who comes back with a valid ticket of it is put back at it) and `gone` (it counts as
  nobody ahead). The leader calls it in ranges of at most 10,000 numbers while the line is
  still being restored (includes/lineRestoring.lua), then restoreLine marks only what is
  above the last range and takes back any number a waiting ticket took meanwhile. Numbers
  marked here and never followed by a restore (the leader died) are marked again by the
  next leader's restore; `lost` expires after the restore grace either way.
  Only the scheduling leader may run it (fencing token first); each call extends its lease,
  so a restore longer than the lease is not cut off halfway (and begun again) by its expiry.

  KEYS[1] schedulerLease  string  fencing token of the leader, PX = lease
  KEYS[2] queue           zset    waiting ticketId -> queue number
  KEYS[3] gone            zset    numbers that count as nobody ahead (score = member = number)
  KEYS[4] lost            zset    numbers awaiting their fan (score = member = number)

  ARGV[1] fencing token of the caller
  ARGV[2] from: the first number of the range
  ARGV[3] to: the last number of the range (at most 10,000 above from)
  ARGV[4] restore grace (ms): how long `lost` numbers wait for their fans
  ARGV[5] lease (ms)

  Returns { code, marked }
    0  MARKED      marked = numbers put in `lost`
   -1  NOT_LEADER  the caller does not hold the lease; nothing was changed
   -2  TOO_WIDE    the range is empty or wider than 10,000 numbers; nothing was changed
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -1, 0 } end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local from, to = tonumber(ARGV[2]), tonumber(ARGV[3])
if not from or not to or to < from or to - from >= 10000 then return { -2, 0 } end
local CHUNK = 500

local held = {}
local waiting = redis.call('ZRANGEBYSCORE', KEYS[2], from, to, 'WITHSCORES')
for j = 2, #waiting, 2 do held[tonumber(waiting[j])] = true end
local marked = 0
local batch = {}
local function flush()
  if #batch == 0 then return end
  redis.call('ZADD', KEYS[4], unpack(batch))
  redis.call('ZADD', KEYS[3], unpack(batch))
  batch = {}
end
for number = from, to do
  if not held[number] then
    batch[#batch + 1] = number
    batch[#batch + 1] = number
    marked = marked + 1
    if #batch >= 2 * CHUNK then flush() end
  end
end
flush()
redis.call('PEXPIRE', KEYS[4], ARGV[4])
return { 0, marked }
