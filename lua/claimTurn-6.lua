#!lua flags=allow-key-locking
--[[
  Exchanges an admitted ticket for a session, once: the ticket leaves `admitted` and the
  session enters `active` in the same step, so a second claim of the ticket finds nothing.
  The claim is logged for the origin to copy to MySQL, so a session survives Redis losing
  it; the session id is derived from the ticket id by the caller, so a ticket claimed again
  after such a loss comes back as the same session.

  KEYS[1] admitted   zset  admitted ticketId -> claim deadline (ms)
  KEYS[2] active     zset  sessionId -> session expiry (ms)
  KEYS[3] queue      zset  waiting ticketId -> queue number
  KEYS[4] queueState hash  status, vouchedRun, ahead; sessionSeconds (set by an admin) overrides ARGV[4]
  KEYS[5] claimLog   list  claims not yet in MySQL: "<ticketId> <sessionId> <expiry ms>"
  KEYS[6] choices    hash  ticketId or sessionId -> declared choice "<quantity>|<tier>|<maxPriceCents>"

  ARGV[1] ticket id
  ARGV[2] session id (sessionIdFor(ticket id))
  ARGV[3] now (ms)
  ARGV[4] default session length (ms), used when queueState has no sessionSeconds

  Returns { code }
    0  CLAIMED          session registered and logged; second value = session expiry (ms), third = the declared choice ("" without one)
   -1  STILL_WAITING    the ticket waits; its turn has not come
   -2  NOT_ADMITTED     unknown ticket: never admitted, already claimed, or left the line
   -3  CLAIM_EXPIRED    admitted, but the claim window passed (the ticket is dropped)
   -4  RESTORING        the line is being restored (includes/lineRestoring.lua)
]]
-- @include lineRestoring
local state = redis.call('HMGET', KEYS[4], 'status', 'sessionSeconds', 'vouchedRun', 'ahead')
if lineRestoring(state[1], state[3], state[4]) then return { -4 } end
local deadline = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not deadline then
  if redis.call('ZSCORE', KEYS[3], ARGV[1]) then return { -1 } end
  return { -2 }
end
redis.call('ZREM', KEYS[1], ARGV[1])
if tonumber(deadline) < tonumber(ARGV[3]) then return { -3 } end
local sessionSeconds = tonumber(state[2] or '')
local sessionMs = sessionSeconds and sessionSeconds * 1000 or tonumber(ARGV[4])
local expiry = tonumber(ARGV[3]) + sessionMs
redis.call('ZADD', KEYS[2], expiry, ARGV[2])
redis.call('RPUSH', KEYS[5], ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. expiry)
local choice = redis.call('HGET', KEYS[6], ARGV[1])
if choice then
  redis.call('HSET', KEYS[6], ARGV[2], choice)
  redis.call('HDEL', KEYS[6], ARGV[1])
end
return { 0, expiry, choice or '' }
