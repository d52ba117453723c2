--[[
  Holds the best free group among candidate groups of seats, for one live session: the
  caller (origin/src/modules/holds/best-seats.ts) ranks the groups best first from a recent
  read of the seat map; this script takes the first group whose every seat is still free,
  all of it, and nothing else. A group is free when none of its seats is sold or held; the
  script is atomic, so a seat found free here cannot be taken by anyone before it is set.
  The session must stay within the event's per-order limit and the customer within the
  per-customer limit, as for holdSeats.

  KEYS[1] active        zset    sessionId -> session expiry (ms)
  KEYS[2] config        hash    perOrderLimit, holdSeconds, customerLimit (absent: no limit)
  KEYS[3] sold          set     sold seat ids
  KEYS[4] sessionSeats  zset    seatId -> hold expiry (ms), seats this session holds
  KEYS[5] hold          hash    the new hold: sid, cus, seats, expiresAt
  KEYS[6] customerSeats zset    seatId -> hold expiry (ms), or inf once sold, of the customer's seats
  KEYS[7..] seat keys, one per seat id in ARGV[6..], in the same order

  ARGV[1] session id
  ARGV[2] new hold id (random, unguessable)
  ARGV[3] now (ms)
  ARGV[4] customer id (the identity's hash, or the session id without one)
  ARGV[5] q: seats per group (every group has q seats)
  ARGV[6..] the groups' seat ids, group after group, best group first

  Returns { code, detail, group }
    0  OK                    detail = hold expiry (ms), group = 1-based index of the group held
   -1  SESSION_INACTIVE      the session is not in `active` or its expiry has passed
   -2  EVENT_NOT_CONFIGURED  `config` lacks perOrderLimit or holdSeconds
   -3  SEAT_LIMIT            detail = how many more seats the session may hold
   -9  CUSTOMER_LIMIT        detail = how many more seats the customer may hold or buy
  -10  NO_GROUP_FREE         every group has a sold or held seat; nothing is held
]]
-- @include sessionLive
-- @include customerRoom
-- @include recordHold

local now = tonumber(ARGV[3])
if not sessionLive(KEYS[1], ARGV[1], now) then return { -1, 0, 0 } end

local settings = redis.call('HMGET', KEYS[2], 'perOrderLimit', 'holdSeconds', 'customerLimit')
local limit, holdSeconds, customerLimit = tonumber(settings[1]), tonumber(settings[2]), tonumber(settings[3])
if not limit or not holdSeconds then return { -2, 0, 0 } end

local q = tonumber(ARGV[5])
local alreadyHeld = redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf')
if alreadyHeld + q > limit then return { -3, math.max(limit - alreadyHeld, 0), 0 } end
local room = customerRoom(KEYS[6], customerLimit, now)
if room and q > room then return { -9, room, 0 } end

local FIRST_SEAT = 6
local holdMs = math.floor(holdSeconds * 1000)
local expiresAt = now + holdMs
local groups = math.floor((#KEYS - FIRST_SEAT) / q)
for g = 0, groups - 1 do
  local free = true
  for i = 1, q do
    local n = g * q + i
    if redis.call('SISMEMBER', KEYS[3], ARGV[5 + n]) == 1 or redis.call('EXISTS', KEYS[FIRST_SEAT + n]) == 1 then
      free = false
      break
    end
  end
  if free then
    local seats = {}
    for i = 1, q do
      local n = g * q + i
      redis.call('SET', KEYS[FIRST_SEAT + n], ARGV[2], 'PX', holdMs)
      seats[i] = ARGV[5 + n]
    end
    recordHold(KEYS[4], KEYS[5], KEYS[6], ARGV[1], ARGV[4], seats, expiresAt, holdMs)
    return { 0, expiresAt, g + 1 }
  end
end
return { -10, 0, 0 }
