--[[
  Gives a fan who asks for it more time on a live hold, once per hold (WCAG 2.2.1 Timing
  Adjustable), from the event's budget of extra time (the same budget claim extensions
  take from). All or nothing, in one step: the session is live, owns the hold, no purchase
  runs on it, every seat key still holds this hold id and it was not extended before; only
  then one extension is taken from the budget and every seat key's TTL, the seats' entries
  in the session's and the customer's indexes and the hold record move by it. A hold may
  not outlast its session (the active token expires with it): such an extension is refused.

  KEYS[1] active        zset    sessionId -> session expiry (ms)
  KEYS[2] hold          hash    sid, seats, expiresAt, purchase; receives extended = 1
  KEYS[3] sessionSeats  zset    seatId -> hold expiry (ms) of the session
  KEYS[4] customerSeats zset    seatId -> hold expiry (ms), or inf once sold, of the hold's customer
  KEYS[5] queueState    hash    extensionSeconds, takeExtensionMinutes (set by an admin) override ARGV[4..5]; receives extensionUsedSeconds, extensionsGranted
  KEYS[6..] seat keys, in the order of the seat ids in ARGV[6..]

  ARGV[1] hold id
  ARGV[2] session id (the caller)
  ARGV[3] now (ms)
  ARGV[4] default seconds one extension adds, used when queueState has no extensionSeconds
  ARGV[5] default budget (minutes), used when queueState has no takeExtensionMinutes
  ARGV[6..] seat ids

  Returns { code, detail }
    0  EXTENDED              detail = the hold's new expiry (ms)
   -1  OFF                   the event gives no extensions
   -2  ALREADY_EXTENDED      this hold had its extension; detail = its expiry (ms)
   -3  BUDGET_USED           the event's budget has less than one extension left
   -5  SESSION_INACTIVE      the session is not in `active` or its expiry has passed
   -6  HOLD_NOT_FOUND        the hold, or one of its seats, has expired (or was released or bought)
   -7  NOT_OWNER             the hold belongs to another session
   -8  PURCHASE_IN_PROGRESS  a purchase runs on this hold
   -9  SESSION_ENDS_FIRST    the extended hold would outlast the session; detail = session expiry (ms)
]]
-- @include takeExtension
local HOLD_RECORD_GRACE_MS = 2000
local FIRST_SEAT = 5
local now = tonumber(ARGV[3])
local sessionExpiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[2]) or '0')
if sessionExpiry <= now then return { -5, 0 } end

local record = redis.call('HMGET', KEYS[2], 'sid', 'expiresAt', 'purchase', 'extended')
if not record[1] then return { -6, 0 } end
if record[1] ~= ARGV[2] then return { -7, 0 } end
if record[3] then return { -8, 0 } end
local expiresAt = tonumber(record[2] or '0')
if expiresAt <= now then return { -6, 0 } end
for i = FIRST_SEAT + 1, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[1] then return { -6, 0 } end
end
if record[4] then return { -2, expiresAt } end

-- the one extension's length, to refuse before taking anything from the budget
local seconds = tonumber(redis.call('HGET', KEYS[5], 'extensionSeconds') or '') or tonumber(ARGV[4])
if seconds > 0 and expiresAt + seconds * 1000 > sessionExpiry then return { -9, sessionExpiry } end
local code, addMs = takeExtension(KEYS[5], ARGV[4], ARGV[5])
if code ~= 0 then return { code, 0 } end

local extended = expiresAt + addMs
for i = FIRST_SEAT + 1, #KEYS do
  local seat = ARGV[i]
  redis.call('PEXPIRE', KEYS[i], redis.call('PTTL', KEYS[i]) + addMs)
  redis.call('ZADD', KEYS[3], 'XX', extended, seat)
  redis.call('ZADD', KEYS[4], 'XX', extended, seat)
end
redis.call('HSET', KEYS[2], 'expiresAt', extended, 'extended', 1)
redis.call('PEXPIRE', KEYS[2], extended - now + HOLD_RECORD_GRACE_MS)
if redis.call('PTTL', KEYS[3]) < extended - now + HOLD_RECORD_GRACE_MS then
  redis.call('PEXPIRE', KEYS[3], extended - now + HOLD_RECORD_GRACE_MS)
end
local customerTtl = redis.call('PTTL', KEYS[4])
if customerTtl ~= -1 and customerTtl < extended - now + HOLD_RECORD_GRACE_MS then
  redis.call('PEXPIRE', KEYS[4], extended - now + HOLD_RECORD_GRACE_MS)
end
return { 0, extended }
