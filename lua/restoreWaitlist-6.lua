--[[
  Brings the waiting list in Redis up to MySQL's entries (waitlist_entries), as the leader
  checks it: the place counter is never below the highest place MySQL has, the entries
  MySQL still has waiting are put back at their own places and those whose offer is over
  are remembered as such, so a ticket still has one entry (an entry Redis still has is left
  as it is), and this Redis run is named as checked (`waitlistRun`), so joinWaitlist
  takes new entries again. Fenced by the leader's lease.

  KEYS[1] schedulerLease string  fencing token of the leader
  KEYS[2] queueState     hash    receives waitlistRun
  KEYS[3] waitlist       zset    waiting ticketId -> place
  KEYS[4] waitlistSeq    string  place counter
  KEYS[5] waitlistAsks   hash    ticketId -> "<place>|<quantity>|<tier>|<contact>"
  KEYS[6] waitlistOffers hash    ticketId -> "claimed" | "passed" for entries whose offer is over

  ARGV[1] fencing token of the caller
  ARGV[2] the highest place MySQL has (0: none)
  ARGV[3..] per entry to put back: ticket id, place, "<place>|<quantity>|<tier>|<contact>",
            and "waiting" (back on the list) or "claimed" / "passed" (its offer is over)

  Returns { code, restored, seq }
      0  CHECKED      restored = entries put back, seq = the place counter now
     -1  NOT_LEADER   the caller does not hold the lease; nothing was changed
]]
-- @include serverRunId
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -1, 0, 0 } end
local highest = tonumber(ARGV[2])
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
if seq < highest then
  seq = highest
  redis.call('SET', KEYS[4], seq)
end
local restored = 0
for i = 3, #ARGV, 4 do
  local tid = ARGV[i]
  if redis.call('HSETNX', KEYS[5], tid, ARGV[i + 2]) == 1 then
    if ARGV[i + 3] == 'waiting' then
      redis.call('ZADD', KEYS[3], tonumber(ARGV[i + 1]), tid)
    else
      redis.call('HSET', KEYS[6], tid, ARGV[i + 3])
    end
    restored = restored + 1
  end
end
local run = serverRunId()
if run then redis.call('HSET', KEYS[2], 'waitlistRun', run) end
return { 0, restored, seq }
