#!lua flags=allow-key-locking
--[[
  Records what a waiting fan wants when their turn comes: how many seats, and a tier or a
  price cap. Only while the ticket waits: once admitted, the scheduler has counted the
  choice against the seat budgets (admitFans), so it no longer changes. The caller checks
  the choice against the event's per-order limit and tiers.

  KEYS[1] queue    zset  waiting ticketId -> queue number
  KEYS[2] choices        hash  ticketId -> declared choice "<quantity>|<tier>|<maxPriceCents>"
  KEYS[3] choiceChanges  zset  ticketId -> when (ms) its choice last changed: the edge's shared
                               read hands the new choice to the ticket's open streams; kept a minute

  ARGV[1] ticket id
  ARGV[2] the choice, "<quantity>|<tier>|<maxPriceCents>" (tier and cap may be empty)
  ARGV[3] now (ms)

  Returns { code, number }
    0  DECLARED     stored; number = the ticket's queue number
   -1  NOT_WAITING  the ticket is not in line (admitted, claimed, left or unknown); nothing stored
]]
local number = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not number then return { -1, 0 } end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local now = tonumber(ARGV[3])
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - 60000))
return { 0, tonumber(number) }
