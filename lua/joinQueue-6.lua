--[[
  Puts a fan in an event's waiting line, or finds the place they already have.

  KEYS[1] seq         string  ticket counter (INCR)
  KEYS[2] queue       zset    waiting ticketId -> queue number
  KEYS[3] seen        zset    waiting ticketId -> last seen (ms)
  KEYS[4] admitted    zset    admitted ticketId -> claim deadline (ms)
  KEYS[5] queueState  hash    status (open | paused | soldout | closed), maxWaiting
  KEYS[6] serving     string  serving pointer

  ARGV[1] ticket id the fan already holds (from a valid ticket), or ""
  ARGV[2] fresh ticket id to use when the fan has no place
  ARGV[3] now (ms)

  Returns { code, ticketId, number, serving }
    0  JOINED           a new place at the back
    1  WAITING          the fan already waits; presence refreshed, same place
    2  ADMITTED         the fan's turn came and the claim window is open (number is 0)
   -1  NO_QUEUE         the event has no queue (no status in queueState)
   -2  SALE_ENDED       status soldout or closed: no new places
   -3  QUEUE_FULL       maxWaiting fans already wait
]]
local status = redis.call('HGET', KEYS[5], 'status')
if not status then return { -1, '', 0, 0 } end
local serving = tonumber(redis.call('GET', KEYS[6]) or '0')
local held = ARGV[1]
if held ~= '' then
  local number = redis.call('ZSCORE', KEYS[2], held)
  if number then
    redis.call('ZADD', KEYS[3], ARGV[3], held)
    return { 1, held, tonumber(number), serving }
  end
  local deadline = redis.call('ZSCORE', KEYS[4], held)
  if deadline and tonumber(deadline) > tonumber(ARGV[3]) then
    return { 2, held, 0, serving }
  end
end
if status == 'soldout' or status == 'closed' then return { -2, '', 0, serving } end
local maxWaiting = tonumber(redis.call('HGET', KEYS[5], 'maxWaiting') or '0')
if maxWaiting > 0 and redis.call('ZCARD', KEYS[2]) >= maxWaiting then return { -3, '', 0, serving } end
local number = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], number, ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
return { 0, ARGV[2], number, serving }
