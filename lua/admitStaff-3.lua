--[[
  Gives a staff session straight away, outside the line: a request that matched a bypass
  rule (a staff secret or an IP range) becomes a session of its own in `active`, where
  every seat script finds it (per-order and per-customer limits, seat safety: the same as
  a fan's session), and in `staff`, so the scheduler does not count it against maxActive.
  It takes no queue number, touches no fan's place and is never logged as an admission.
  Registering a session that is live already keeps the later expiry (an IP rule's machine
  has one session per address).

  KEYS[1] queueState  hash  status; sessionSeconds (set by an admin) overrides ARGV[3]
  KEYS[2] active      zset  sessionId -> session expiry (ms)
  KEYS[3] staff       zset  sessionId -> session expiry (ms), staff sessions only

  ARGV[1] session id
  ARGV[2] now (ms)
  ARGV[3] default session length (ms), used when queueState has no sessionSeconds

  Returns { code, expiry }
    0  ADMITTED     the session is live until `expiry` (ms)
   -1  NO_QUEUE     the event has no waiting room
   -2  SALE_ENDED   the sale is closed or sold out: no new session
]]
local state = redis.call('HMGET', KEYS[1], 'status', 'sessionSeconds')
if not state[1] then return { -1, 0 } end
if state[1] == 'closed' or state[1] == 'soldout' then return { -2, 0 } end
local now = tonumber(ARGV[2])
local sessionSeconds = tonumber(state[2] or '')
local expiry = now + (sessionSeconds and sessionSeconds * 1000 or tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], 'GT', expiry, ARGV[1])
redis.call('ZADD', KEYS[3], 'GT', expiry, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
return { 0, tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1])) }
