--[[
  Records a hold whose seat keys the caller has just taken: the session's seat index
  (seatId -> hold expiry) and the hold record (sid, seats, expiresAt). The record
  outlives its seats a little, so an owner check is always possible while any of its
  seats is still held; the index lives at least as long.
]]
local HOLD_RECORD_GRACE_MS = 2000

local function recordHold(sessionSeats, hold, sessionId, seats, expiresAt, holdMs)
  local scores = {}
  for i = 1, #seats do
    scores[2 * i - 1] = expiresAt
    scores[2 * i] = seats[i]
  end
  redis.call('ZADD', sessionSeats, unpack(scores))
  redis.call('HSET', hold, 'sid', sessionId, 'seats', table.concat(seats, ','), 'expiresAt', expiresAt)
  redis.call('PEXPIRE', hold, holdMs + HOLD_RECORD_GRACE_MS)
  if redis.call('PTTL', sessionSeats) < holdMs + HOLD_RECORD_GRACE_MS then
    redis.call('PEXPIRE', sessionSeats, holdMs + HOLD_RECORD_GRACE_MS)
  end
end
