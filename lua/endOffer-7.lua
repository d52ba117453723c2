--[[
  Settles one waiting-list offer, in one step with the claim it races: claimed (the ticket's
  session is in `active`, or the ticket left `admitted` before its deadline, which only a
  claim does; the seats are the fan's to buy, under the hold's own expiry), or,
  once the claim deadline passed unclaimed, passed: the ticket can no longer be claimed, the
  hold is released (each seat only while it still holds this hold) and the seats are free
  for the next entry. An offer whose window is still open is left alone.

  KEYS[1] schedulerLease string  fencing token of the leader
  KEYS[2] waitlistOffers hash    ticketId -> "offer <deadline> <holdId> <seats>"
  KEYS[3] admitted       zset    admitted ticketId -> claim deadline (ms)
  KEYS[4] active         zset    sessionId -> session expiry (ms)
  KEYS[5] hold           hash    the offer's hold
  KEYS[6] sessionSeats   zset    seatId -> hold expiry (ms) of the offered session
  KEYS[7] customerSeats  zset    seatId -> hold expiry (ms) of the offered session (its own customer)
  KEYS[8..] seat keys, in the order of the seat ids in ARGV[6..]

  ARGV[1] fencing token of the caller
  ARGV[2] ticket id
  ARGV[3] session id (sessionIdFor(ticket id))
  ARGV[4] hold id
  ARGV[5] now (ms)
  ARGV[6..] seat ids

  Returns { code, released }
      0  CLAIMED      the fan claimed it; the offer is recorded as claimed
      1  PASSED       not claimed in its window: released = seat keys freed
      2  OPEN         the claim window is still open; nothing changed
     -1  NOT_LEADER   the caller does not hold the lease
     -2  NO_OFFER     the ticket has no open offer
]]
-- @include deleteIfHolds
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -1, 0 } end
local tid, sid, holdId, now = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local offer = redis.call('HGET', KEYS[2], tid) or ''
local deadline = tonumber(string.match(offer, '^offer (%d+) ') or '')
if not deadline then return { -2, 0 } end
if redis.call('ZSCORE', KEYS[4], sid) or (deadline >= now and not redis.call('ZSCORE', KEYS[3], tid)) then
  redis.call('HSET', KEYS[2], tid, 'claimed')
  return { 0, 0 }
end
if deadline >= now then return { 2, 0 } end
redis.call('ZREM', KEYS[3], tid)
local released = 0
for i = 8, #KEYS do
  local seat = ARGV[i - 2]
  if deleteIfHolds(KEYS[i], holdId) == 1 then
    released = released + 1
    redis.call('ZREM', KEYS[7], seat)
  end
  redis.call('ZREM', KEYS[6], seat)
end
redis.call('DEL', KEYS[5])
redis.call('HSET', KEYS[2], tid, 'passed')
return { 1, released }
