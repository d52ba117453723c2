--[[
  Changes the seats of a hold the session owns, keeping its deadline: in one atomic step the
  new seats are taken (SET NX PX for the time the hold has left) and the old ones the new set
  does not keep are released (compare-and-delete), all or nothing. A new seat that is sold
  or held by someone else undoes what this call took and leaves the old hold exactly as it
  was. The hold keeps its id and its `expiresAt`; the session's and the customer's seat
  indexes follow. The per-order and per-customer limits count the new set in place of the
  old one.

  KEYS[1] active        zset    sessionId -> session expiry (ms)
  KEYS[2] config        hash    perOrderLimit, customerLimit (absent: no limit)
  KEYS[3] sold          set     sold seat ids
  KEYS[4] sessionSeats  zset    seatId -> hold expiry (ms), seats this session holds
  KEYS[5] hold          hash    sid, cus, seats, expiresAt, purchase
  KEYS[6] customerSeats zset    seatId -> hold expiry (ms), or inf once sold, of the customer's seats
  KEYS[7..] seat keys: the old seats first, then the new ones, in the order of ARGV[6..]

  ARGV[1] session id
  ARGV[2] hold id
  ARGV[3] now (ms)
  ARGV[4] the old seats as the caller read them from the hold ("a,b", the record's `seats`)
  ARGV[5] how many old seats follow
  ARGV[6..] the old seat ids, then the new seat ids (distinct, no commas)

  Returns { code, detail }
    0  OK                    detail = the hold's expiry (ms), unchanged
   -1  SESSION_INACTIVE      the session is not in `active` or its expiry has passed
   -2  EVENT_NOT_CONFIGURED  `config` lacks perOrderLimit
   -3  SEAT_LIMIT            detail = how many seats the session may hold in place of the old ones
   -4  SEAT_SOLD             detail = 1-based index (among the new seats) of the first sold seat
   -5  SEAT_HELD             detail = 1-based index (among the new seats) of the first seat held by someone
   -6  HOLD_NOT_FOUND        no such hold, it ran out, or its seats changed since the caller read them
   -7  NOT_OWNER             the hold belongs to another session
   -8  PURCHASE_IN_PROGRESS  a purchase runs on this hold
   -9  CUSTOMER_LIMIT        detail = how many seats the customer may hold in place of the old ones
]]
-- @include sessionLive
-- @include customerRoom
-- @include deleteIfHolds

local now = tonumber(ARGV[3])
if not sessionLive(KEYS[1], ARGV[1], now) then return { -1, 0 } end
local record = redis.call('HMGET', KEYS[5], 'sid', 'seats', 'expiresAt', 'purchase')
if not record[1] then return { -6, 0 } end
if record[1] ~= ARGV[1] then return { -7, 0 } end
if record[4] then return { -8, 0 } end
local expiresAt = tonumber(record[3])
if record[2] ~= ARGV[4] or not expiresAt or expiresAt <= now then return { -6, 0 } end

local settings = redis.call('HMGET', KEYS[2], 'perOrderLimit', 'customerLimit')
local limit, customerLimit = tonumber(settings[1]), tonumber(settings[2])
if not limit then return { -2, 0 } end

local FIRST_SEAT = 6
local oldCount = tonumber(ARGV[5])
local newCount = #KEYS - FIRST_SEAT - oldCount
local old, kept = {}, {}
for i = 1, oldCount do old[ARGV[5 + i]] = true end
local newSeats = {}
for i = 1, newCount do
  newSeats[i] = ARGV[5 + oldCount + i]
  if old[newSeats[i]] then kept[newSeats[i]] = true end
end

-- the limits count the new set in place of the old one
local otherHeld = redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf') - oldCount
if otherHeld + newCount > limit then return { -3, math.max(limit - otherHeld, 0) } end
local room = customerRoom(KEYS[6], customerLimit, now)
if room and newCount > room + oldCount then return { -9, room + oldCount } end

local leftMs = expiresAt - now
local taken = {}
for i = 1, newCount do
  local seat = newSeats[i]
  if not kept[seat] then
    local failure = nil
    if redis.call('SISMEMBER', KEYS[3], seat) == 1 then
      failure = -4
    elseif not redis.call('SET', KEYS[FIRST_SEAT + oldCount + i], ARGV[2], 'NX', 'PX', leftMs) then
      failure = -5
    end
    if failure then
      -- all or nothing: the seats this call took go back, the old hold is untouched
      for _, key in ipairs(taken) do redis.call('DEL', key) end
      return { failure, i }
    end
    taken[#taken + 1] = KEYS[FIRST_SEAT + oldCount + i]
  end
end

-- the old seats the new set does not keep are free again
for i = 1, oldCount do
  local seat = ARGV[5 + i]
  if not kept[seat] then
    deleteIfHolds(KEYS[FIRST_SEAT + i], ARGV[2])
    redis.call('ZREM', KEYS[4], seat)
    redis.call('ZREM', KEYS[6], seat)
  end
end
local scores = {}
for i = 1, newCount do
  scores[2 * i - 1] = expiresAt
  scores[2 * i] = newSeats[i]
end
redis.call('ZADD', KEYS[4], unpack(scores))
redis.call('ZADD', KEYS[6], unpack(scores))
redis.call('HSET', KEYS[5], 'seats', table.concat(newSeats, ','))
return { 0, expiresAt }
