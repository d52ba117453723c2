--[[
  Records a hold whose seat keys the caller has just taken: the session's seat index and the
  customer's (seatId -> hold expiry) and the hold record (sid, cus, seats, expiresAt). The
  record outlives its seats a little, so an owner check is always possible while any of its
  seats is still held; the session's index lives at least as long. The customer's index lives
  while it only holds seats; once it names a sold seat it has no expiry (completePurchase),
  so a PTTL of -1 is left alone.
]]
local HOLD_RECORD_GRACE_MS = 2000

local function recordHold(sessionSeats, hold, customerSeats, sessionId, customerId, seats, expiresAt, holdMs)
  local scores = {}
  for i = 1, #seats do
    scores[2 * i - 1] = expiresAt
    scores[2 * i] = seats[i]
  end
  redis.call('ZADD', sessionSeats, unpack(scores))
  redis.call('ZADD', customerSeats, unpack(scores))
  redis.call('HSET', hold, 'sid', sessionId, 'cus', customerId, 'seats', table.concat(seats, ','), 'expiresAt', expiresAt)
  redis.call('PEXPIRE', hold, holdMs + HOLD_RECORD_GRACE_MS)
  if redis.call('PTTL', sessionSeats) < holdMs + HOLD_RECORD_GRACE_MS then
    redis.call('PEXPIRE', sessionSeats, holdMs + HOLD_RECORD_GRACE_MS)
  end
  local customerTtl = redis.call('PTTL', customerSeats)
  if customerTtl ~= -1 and customerTtl < holdMs + HOLD_RECORD_GRACE_MS then
    redis.call('PEXPIRE', customerSeats, holdMs + HOLD_RECORD_GRACE_MS)
  end
end
