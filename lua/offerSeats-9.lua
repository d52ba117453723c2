--[[
  Offers seats that came back after sell-out to one waiting-list entry, in one step: takes
  the first candidate group whose every seat is free (not sold, not held), as holdBestSeats
  does, holds it for the session the entry's ticket becomes when claimed (sessionIdFor),
  for the claim window plus the event's hold time, and admits the ticket with the claim
  deadline, so the ordinary claim (claimTurn) makes it a session that already holds the
  seats. The entry leaves the list. Fenced by the leader's lease: one leader offers, and a
  seat set here cannot be offered to anyone else while it is held.

  KEYS[1] schedulerLease string  fencing token of the leader
  KEYS[2] waitlist       zset    waiting ticketId -> place
  KEYS[3] waitlistOffers hash    ticketId -> "offer <deadline> <holdId> <seats>"
  KEYS[4] admitted       zset    admitted ticketId -> claim deadline (ms)
  KEYS[5] config         hash    holdSeconds
  KEYS[6] sold           set     sold seat ids
  KEYS[7] sessionSeats   zset    seatId -> hold expiry (ms), seats the offered session holds
  KEYS[8] hold           hash    the new hold: sid, cus, seats, expiresAt
  KEYS[9] customerSeats  zset    seatId -> hold expiry (ms) of the offered session (its own customer)
  KEYS[10..] seat keys, one per seat id in ARGV[8..], in the same order

  ARGV[1] fencing token of the caller
  ARGV[2] ticket id of the entry
  ARGV[3] session id (sessionIdFor(ticket id))
  ARGV[4] new hold id
  ARGV[5] now (ms)
  ARGV[6] claim window (ms)
  ARGV[7] q: seats per group
  ARGV[8..] the groups' seat ids, group after group, best group first

  Returns { code, deadline, group }
      0  OK                    deadline = claim deadline (ms), group = 1-based index of the group held
     -1  NOT_LEADER            the caller does not hold the lease; nothing was changed
     -2  NOT_WAITING           the entry is no longer on the list
     -3  EVENT_NOT_CONFIGURED  `config` lacks holdSeconds
    -10  NO_GROUP_FREE         every group has a sold or held seat; nothing is held
]]
-- @include recordHold
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -1, 0, 0 } end
local tid, sid, holdId = ARGV[2], ARGV[3], ARGV[4]
if not redis.call('ZSCORE', KEYS[2], tid) then return { -2, 0, 0 } end
local holdSeconds = tonumber(redis.call('HGET', KEYS[5], 'holdSeconds') or '')
if not holdSeconds then return { -3, 0, 0 } end
local now, claimMs, q = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local FIRST_SEAT, FIRST_ARG = 9, 7
local holdMs = claimMs + math.floor(holdSeconds * 1000)
local deadline = now + claimMs
local groups = math.floor((#KEYS - FIRST_SEAT) / q)
for g = 0, groups - 1 do
  local free = true
  for i = 1, q do
    local n = g * q + i
    if redis.call('SISMEMBER', KEYS[6], ARGV[FIRST_ARG + n]) == 1 or redis.call('EXISTS', KEYS[FIRST_SEAT + n]) == 1 then
      free = false
      break
    end
  end
  if free then
    local seats = {}
    for i = 1, q do
      local n = g * q + i
      redis.call('SET', KEYS[FIRST_SEAT + n], holdId, 'PX', holdMs)
      seats[i] = ARGV[FIRST_ARG + n]
    end
    recordHold(KEYS[7], KEYS[8], KEYS[9], sid, sid, seats, now + holdMs, holdMs)
    redis.call('ZREM', KEYS[2], tid)
    redis.call('HSET', KEYS[3], tid, 'offer ' .. deadline .. ' ' .. holdId .. ' ' .. table.concat(seats, ','))
    redis.call('ZADD', KEYS[4], deadline, tid)
    return { 0, deadline, g + 1 }
  end
end
return { -10, 0, 0 }
