--[[
  Holds several seats for one live session, all or nothing. Each seat key is written with
  SET NX PX, so set-if-absent and expiry happen in one step; if any seat is sold or held,
  the seats this call took are deleted again before it returns (the script is atomic, so
  nobody ever sees a partial hold), and nothing else is written. The session must stay
  within the event's per-order limit, and the customer (every session of one identity)
  within the event's per-customer limit: seats the customer holds (unexpired) plus seats
  sold to them, counted in `customerSeats`, never pass `customerLimit`.

  KEYS[1] active        zset    sessionId -> session expiry (ms)
  KEYS[2] config        hash    perOrderLimit, holdSeconds, customerLimit (absent: no limit)
  KEYS[3] sold          set     sold seat ids
  KEYS[4] sessionSeats  zset    seatId -> hold expiry (ms), seats this session holds
  KEYS[5] hold          hash    the new hold: sid, cus, seats, expiresAt
  KEYS[6] customerSeats zset    seatId -> hold expiry (ms), or inf once sold, of the customer's seats
  KEYS[7..] seat keys, one per seat, in the order of the seat ids in ARGV[5..]

  ARGV[1] session id
  ARGV[2] new hold id (random, unguessable)
  ARGV[3] now (ms)
  ARGV[4] customer id (the identity's hash, or the session id without one)
  ARGV[5..] seat ids (distinct, no commas)

  Returns { code, detail }
    0  OK                    detail = hold expiry (ms)
   -1  SESSION_INACTIVE      the session is not in `active` or its expiry has passed
   -2  EVENT_NOT_CONFIGURED  `config` lacks perOrderLimit or holdSeconds
   -3  SEAT_LIMIT            detail = how many more seats the session may hold
   -4  SEAT_SOLD             detail = 1-based index of the first sold seat
   -5  SEAT_HELD             detail = 1-based index of the first seat held by someone
   -9  CUSTOMER_LIMIT        detail = how many more seats the customer may hold or buy
]]
-- @include sessionLive
-- @include customerRoom
-- @include recordHold

local now = tonumber(ARGV[3])
if not sessionLive(KEYS[1], ARGV[1], now) then return { -1, 0 } end

local settings = redis.call('HMGET', KEYS[2], 'perOrderLimit', 'holdSeconds', 'customerLimit')
local limit, holdSeconds, customerLimit = tonumber(settings[1]), tonumber(settings[2]), tonumber(settings[3])
if not limit or not holdSeconds then return { -2, 0 } end

local FIRST_SEAT = 6
local count = #KEYS - FIRST_SEAT
-- Seats of this session whose hold has not expired (expired entries are dropped when the
-- session's holds are released or bought, and the whole set expires with its last hold).
local alreadyHeld = redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf')
if alreadyHeld + count > limit then return { -3, math.max(limit - alreadyHeld, 0) } end
-- held or sold across every session and order of the customer
local room = customerRoom(KEYS[6], customerLimit, now)
if room and count > room then return { -9, room } end

local holdMs = math.floor(holdSeconds * 1000)
local expiresAt = now + holdMs
for i = 1, count do
  local failure = nil
  if redis.call('SISMEMBER', KEYS[3], ARGV[4 + i]) == 1 then
    failure = -4
  elseif not redis.call('SET', KEYS[FIRST_SEAT + i], ARGV[2], 'NX', 'PX', holdMs) then
    failure = -5
  end
  if failure then
    -- All or nothing: undo the seats this call already took (no one saw them: scripts are atomic).
    for j = 1, i - 1 do redis.call('DEL', KEYS[FIRST_SEAT + j]) end
    return { failure, i }
  end
end

local seats = {}
for i = 1, count do seats[i] = ARGV[4 + i] end
recordHold(KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[4], seats, expiresAt, holdMs)
return { 0, expiresAt }
