#!lua flags=allow-key-locking
--[[
  Marks one fan as present and says where their ticket stands. Called when a fan
  connects (stream, status poll), not on every position update. After Redis lost the
  line, a ticket whose number the restore listed in `lost` is put back at that number
  (once); while the line is being restored (includes/lineRestoring.lua) the ticket is told
  RESTORING, never placed. A ticket whose number is beyond the counter proves Redis went
  back in time: the number is recorded in `ahead`, so every answer says restoring until
  the leader has restored the line from MySQL. A ticket whose place moved to another
  device (movePlace) is told MOVED: the latest device to open the resume link holds it.
  A waiting fan's declared choice (declareChoice) comes with the answer, so a status poll
  or a stream's connect needs no second call to show it.

  Polls and stream connects are limited per ticket here, with @upstash/ratelimit's sliding
  window on its own keys (`<prefix>:<ticketId>:<window>`, the previous window weighted
  exactly as its script does), so `Ratelimit.getRemaining` and `resetUsedTokens` still
  read and reset the record; a call over the limit is RATE_LIMITED and touches nothing.

  KEYS[1] queue       zset    waiting ticketId -> queue number
  KEYS[2] seen        zset    waiting ticketId -> last seen (ms)
  KEYS[3] admitted    zset    admitted ticketId -> claim deadline (ms)
  KEYS[4] queueState  hash    status, vouchedRun, ahead; replacedTotal (HINCRBY)
  KEYS[5] lost        zset    queue numbers a restore found without a ticket, awaiting their fan
  KEYS[6] gone        zset    queue numbers of tickets that left, above the serving pointer
  KEYS[7] seq         string  ticket counter: the newest queue number
  KEYS[8] moved       zset    old ticketId -> when its place moved to another device (ms)
  KEYS[9] choices     hash    ticketId -> the fan's declared choice (common/choice.ts)
  KEYS[10 ..]         string  the ticket's rate-limit buckets: its current window, then its
                              previous window (none: not limited)

  ARGV[1] ticket id
  ARGV[2] now (ms)
  ARGV[3] the ticket's queue number (from the signed ticket)
  ARGV[4] calls allowed per ticket per window (with the buckets)
  ARGV[5] window (ms)

  Returns { code, value, choice }: choice is the declared choice's text ('' when none; only
  with WAITING)
    1  WAITING    value = queue number; presence refreshed (or put back at its number from lost)
    2  ADMITTED   value = claim deadline (ms), still open
    0  UNKNOWN    the ticket left the line (gone, claimed, or its claim window passed)
    3  RESTORING  the line is being restored
    4  MOVED      the place moved to another device; value = when (ms)
    5  RATE_LIMITED  the ticket used its calls for the window; value = when the window resets (ms)
]]
-- @include lineRestoring
if #KEYS >= 11 then
  -- the sliding window of @upstash/ratelimit: this window's calls and the previous one's, weighted
  local now, limit, window = tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5])
  local current = tonumber(redis.call('GET', KEYS[10]) or '0')
  local previous = math.floor((1 - (now % window) / window) * tonumber(redis.call('GET', KEYS[11]) or '0'))
  if current + previous >= limit then return { 5, (math.floor(now / window) + 1) * window } end
  if redis.call('INCRBY', KEYS[10], 1) == 1 then redis.call('PEXPIRE', KEYS[10], window * 2 + 1000) end
end
local state = redis.call('HMGET', KEYS[4], 'status', 'vouchedRun', 'ahead')
if lineRestoring(state[1], state[2], state[3]) then return { 3, 0 } end
local number = redis.call('ZSCORE', KEYS[1], ARGV[1])
if number then
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  return { 1, tonumber(number), redis.call('HGET', KEYS[9], ARGV[1]) or '' }
end
local deadline = redis.call('ZSCORE', KEYS[3], ARGV[1])
if deadline then
  if tonumber(deadline) > tonumber(ARGV[2]) then return { 2, tonumber(deadline) } end
  return { 0, 0 }
end
local movedAt = redis.call('ZSCORE', KEYS[8], ARGV[1])
if movedAt then return { 4, tonumber(movedAt) } end
local num = tonumber(ARGV[3]) or 0
if num > 0 and redis.call('ZSCORE', KEYS[5], num) then
  redis.call('ZREM', KEYS[5], num)
  redis.call('ZREM', KEYS[6], num)
  redis.call('ZADD', KEYS[1], num, ARGV[1])
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
  redis.call('HINCRBY', KEYS[4], 'replacedTotal', 1)
  return { 1, num, redis.call('HGET', KEYS[9], ARGV[1]) or '' }
end
if num > tonumber(redis.call('GET', KEYS[7]) or '0') then
  redis.call('HSET', KEYS[4], 'ahead', num)
  return { 3, 0 }
end
return { 0, 0 }
