--[[
  Starts a purchase on a hold: checks that the session is live, owns the hold and still
  holds every seat, marks the hold as being bought (one purchase per hold at a time) and
  extends it to the purchase window so it cannot expire while the payment runs. Extending
  is compare-and-expire: only seat keys still holding this hold id are touched; their entries
  in the session's and the customer's seat indexes are extended with them, so the seats stay
  counted against both limits while the payment runs.

  KEYS[1] active        zset    sessionId -> session expiry (ms)
  KEYS[2] hold          hash    sid, seats, expiresAt, purchase
  KEYS[3] sessionSeats  zset    seatId -> hold expiry (ms) of the session
  KEYS[4] customerSeats zset    seatId -> hold expiry (ms), or inf once sold, of the session's customer
  KEYS[5..] seat keys, in the order of the seat ids in ARGV[6..]

  ARGV[1] hold id
  ARGV[2] session id
  ARGV[3] now (ms)
  ARGV[4] purchase window (ms)
  ARGV[5] purchase id (the order id)
  ARGV[6..] seat ids

  Returns { code, detail }
    0  OK                    detail = new hold expiry (ms)
   -1  SESSION_INACTIVE
   -6  HOLD_NOT_FOUND        the hold, or one of its seats, has expired
   -7  NOT_OWNER
   -8  PURCHASE_IN_PROGRESS  another purchase runs on this hold
]]
-- @include sessionLive
local HOLD_RECORD_GRACE_MS = 2000

local now = tonumber(ARGV[3])
if not sessionLive(KEYS[1], ARGV[2], now) then return { -1, 0 } end

local owner = redis.call('HGET', KEYS[2], 'sid')
if not owner then return { -6, 0 } end
if owner ~= ARGV[2] then return { -7, 0 } end
if redis.call('HEXISTS', KEYS[2], 'purchase') == 1 then return { -8, 0 } end
for i = 5, #KEYS do
  if redis.call('GET', KEYS[i]) ~= ARGV[1] then return { -6, 0 } end
end

local windowMs = tonumber(ARGV[4])
local expiresAt = now + windowMs
redis.call('HSET', KEYS[2], 'purchase', ARGV[5])
for i = 5, #KEYS do
  if redis.call('PTTL', KEYS[i]) < windowMs then
    redis.call('PEXPIRE', KEYS[i], windowMs)
    redis.call('ZADD', KEYS[3], 'XX', expiresAt, ARGV[i + 1])
    redis.call('ZADD', KEYS[4], 'XX', expiresAt, ARGV[i + 1])
  end
end
if redis.call('PTTL', KEYS[2]) < windowMs + HOLD_RECORD_GRACE_MS then
  redis.call('HSET', KEYS[2], 'expiresAt', expiresAt)
  redis.call('PEXPIRE', KEYS[2], windowMs + HOLD_RECORD_GRACE_MS)
end
if redis.call('PTTL', KEYS[3]) < windowMs + HOLD_RECORD_GRACE_MS then
  redis.call('PEXPIRE', KEYS[3], windowMs + HOLD_RECORD_GRACE_MS)
end
local customerTtl = redis.call('PTTL', KEYS[4])
if customerTtl ~= -1 and customerTtl < windowMs + HOLD_RECORD_GRACE_MS then
  redis.call('PEXPIRE', KEYS[4], windowMs + HOLD_RECORD_GRACE_MS)
end
return { 0, expiresAt }
