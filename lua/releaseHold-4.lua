--[[
  Releases a hold: compare-and-delete. Only the owning session can release, and a seat key
  is deleted only while it still holds this hold id (a seat that expired and was taken by
  someone else is left alone), and so is the seat's entry in the customer's index: the count
  of the customer's seats goes back by the seats this release freed. While a purchase runs on the hold, only that purchase
  (compensating after a failure) may release it.

  KEYS[1] hold          hash    sid, seats, expiresAt, purchase
  KEYS[2] sessionSeats  zset    seatId -> hold expiry (ms) of the owning session
  KEYS[3] active        zset    sessionId -> session expiry (ms)
  KEYS[4] customerSeats zset    seatId -> hold expiry (ms), or inf once sold, of the hold's customer (its record's `cus`)
  KEYS[5..] seat keys, in the order of the seat ids in ARGV[5..]

  ARGV[1] hold id
  ARGV[2] session id (the caller)
  ARGV[3] purchase id releasing the hold it is buying, or "" for a plain release
  ARGV[4] now (ms) to require a live session, or "0" to skip that check (compensation)
  ARGV[5..] seat ids

  Returns { code, released }
    0  OK                    released = number of seat keys deleted
   -1  SESSION_INACTIVE      (only when ARGV[4] is not "0")
   -6  HOLD_NOT_FOUND        no such hold (never existed, released, or expired)
   -7  NOT_OWNER             the hold belongs to another session
   -8  PURCHASE_IN_PROGRESS  a purchase runs on this hold and the caller is not it
]]
-- @include sessionLive
-- @include deleteIfHolds
local now = tonumber(ARGV[4])
if now > 0 and not sessionLive(KEYS[3], ARGV[2], now) then return { -1, 0 } end
local owner = redis.call('HGET', KEYS[1], 'sid')
if not owner then return { -6, 0 } end
if owner ~= ARGV[2] then return { -7, 0 } end
local purchase = redis.call('HGET', KEYS[1], 'purchase')
if purchase and purchase ~= ARGV[3] then return { -8, 0 } end

local released = 0
for i = 5, #KEYS do
  local seat = ARGV[i]
  if deleteIfHolds(KEYS[i], ARGV[1]) == 1 then
    released = released + 1
    redis.call('ZREM', KEYS[4], seat)
  end
  redis.call('ZREM', KEYS[2], seat)
end
redis.call('DEL', KEYS[1])
return { 0, released }
