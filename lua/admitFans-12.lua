--[[
  One scheduler tick for one event, in one step:
    1. sessions whose expiry passed leave `active`; sessions longer than the session
       duration now allows are cut to it;
    2. admissions whose claim window passed leave `admitted` (claim expiries): their
       slots are free again;
       staff sessions (a bypass rule's, also in `active`) take no slot;
    3. while the sale is open, admits min(budget, free slots) fans from the head of the
       line, free slots = maxActive - active sessions - admissions not yet claimed. A fan
       not seen within the presence grace has left: the ticket is dropped and never
       admitted (it uses no budget). Each admitted fan gets the claim deadline;
    4. the serving pointer passes every ticket taken off the head;
    5. the admissions of the last minute give the measured rate, published as
       `admitRate` for the edge's wait estimates;
    6. it answers with each admitted ticket, its number and the claim deadline, and the
       ticket counter, which the leader checkpoints in MySQL;
    7. standby (queueState standby = 1, the organiser's "queue only when needed"): the claim
       window a straight-through fan gets is written as standbyClaimMs, and a room that
       queues (standbyMode absent or queueing) goes back to passing once it is calm: the
       line empty, the new places of the last minute (standbyMinute, standbyNew,
       standbyNewBefore, as joinQueue counts them) below standbyNewPerMinute and live
       sessions plus unclaimed admissions below standbyActiveSessions, for the calm period
       (since standbyCalmSince; a room that never queued because of traffic passes at once).
       With standby off the mode is forgotten.
    8. seat budgets (the organiser's choiceMarginSeats, when ARGV[10] is given): the fan at the
       head is admitted only while, for every tier their choice may take (`choices`: a tier,
       the tiers with a seat at or under a price cap, or every tier when undeclared; of
       those, the tiers with at least their declared seats unsold), the
       tier's room (ARGV: unsold seats + margin - the seats declared by admitted fans who have
       not finished, computed by the leader) still holds their declared seats (undeclared:
       ARGV[10], the per-order limit); each admission takes its seats from those rooms. The
       line stays first in, first out: a head fan who does not fit waits, and so do the fans
       behind. A fan whose every tier has fewer unsold seats than they declared can never be
       served as declared: admitted with no seats counted, to choose again at the sale.
  Only the scheduling leader may run it: the fencing token is checked first, so a
  leader that lost its lease (paused, partitioned) can never admit.

  KEYS[1] schedulerLease  string  fencing token of the leader
  KEYS[2] queueState      hash    status, standby, standbyNewPerMinute, standbyActiveSessions, standbyMinute, standbyNew, standbyNewBefore;
                                  receives admitRate, running totals, vouchedRun (this Redis run's id), standbyMode, standbyCalmSince, standbyClaimMs
  KEYS[3] queue           zset    waiting ticketId -> queue number
  KEYS[4] seen            zset    waiting ticketId -> last seen (ms)
  KEYS[5] admitted        zset    admitted ticketId -> claim deadline (ms)
  KEYS[6] active          zset    sessionId -> session expiry (ms)
  KEYS[7] serving         string  serving pointer
  KEYS[8] gone            zset    queue numbers of tickets that left, above the serving pointer
  KEYS[9] admits          hash    second -> admissions in it; `since` = window start (ms)
  KEYS[10] seq            string  ticket counter (read only)
  KEYS[11] staff          zset    sessionId -> expiry (ms) of staff sessions (admitStaff): in `active`, not counted against maxActive
  KEYS[12] choices        hash    ticketId -> declared choice "<quantity>|<tier>|<maxPriceCents>"; dropped tickets' entries are deleted

  ARGV[1] fencing token of the caller
  ARGV[2] now (ms)
  ARGV[3] rate budget: most fans to admit in this tick
  ARGV[4] maxActive
  ARGV[5] claim window (ms)
  ARGV[6] presence grace (ms)
  ARGV[7] session duration (ms); 0 = leave session expiries as they are
  ARGV[8] most left tickets to drop in this tick
  ARGV[9] standby's calm period (ms): how long a queueing room must be calm to pass again
  ARGV[10] seat budgets: the seats an undeclared fan counts (the per-order limit); absent or "" = no seat budgets
  ARGV[11..] per tier, four values: tier, room (seats), unsold seats, lowest price (cents)

  Returns { code, admitted, abandoned, claimExpired, sessionsEnded, waiting, active,
            unclaimed, serving, admitRate, seq, deadline, { ticketId, number, ... } }
            (deadline = the claim deadline (ms) of every ticket admitted in this call)
    0  OPEN        admitted as above
    1  HALTED      the status is not `open` (pre-queue, paused, sold out, closed): cleanup only
   -1  NOT_LEADER  the caller does not hold the lease; nothing was changed
]]
-- @include vouchRun
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -1, 0, 0, 0, 0, 0, 0, 0, 0, '0', 0, 0, {} } end
local now = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local maxActive = tonumber(ARGV[4])
local claimMs = tonumber(ARGV[5])
local freshSince = now - tonumber(ARGV[6])
local sessionMs = tonumber(ARGV[7])
local maxDrops = tonumber(ARGV[8])
local calmMs = tonumber(ARGV[9] or '5000')

local sessionsEnded = redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
if sessionMs > 0 then
  local longest = now + sessionMs
  local tooLong = redis.call('ZRANGEBYSCORE', KEYS[6], '(' .. longest, '+inf', 'LIMIT', 0, 1000)
  for _, sid in ipairs(tooLong) do redis.call('ZADD', KEYS[6], 'XX', longest, sid) end
end
local claimExpired = redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. now)
redis.call('ZREMRANGEBYSCORE', KEYS[11], '-inf', now)

local status = redis.call('HGET', KEYS[2], 'status')
-- the leader checked this Redis against MySQL before this tick (a loss would have been
-- restored first): it vouches for this server run, so the edge trusts the line again after
-- Redis restarted (includes/lineRestoring.lua)
if status then vouchRun(KEYS[2]) end
local code = 1
local admitted, abandoned = 0, 0
local serving = tonumber(redis.call('GET', KEYS[7]) or '0')
local deadline = now + claimMs
local taken = {}

-- seat budgets: each tier's room, and what a choice may take
local budgets = ARGV[10] ~= nil and ARGV[10] ~= ''
local undeclared = tonumber(ARGV[10] or '0') or 0
local tiers, room, unsold, lowest = {}, {}, {}, {}
if budgets then
  for i = 11, #ARGV - 3, 4 do
    local t = ARGV[i]
    tiers[#tiers + 1] = t
    room[t], unsold[t], lowest[t] = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  end
end
local function reachOf(choice)
  if not choice then return undeclared, tiers end
  local q, tier, cap = string.match(choice, '^(%d+)|([^|]*)|(%d*)$')
  if not q then return undeclared, tiers end
  if tier ~= '' then return tonumber(q), { tier } end
  if cap == '' then return tonumber(q), tiers end
  local reach = {}
  for _, t in ipairs(tiers) do if lowest[t] <= tonumber(cap) then reach[#reach + 1] = t end end
  return tonumber(q), reach
end
-- true when the fan may be admitted; takes the seats from each tier of the reach that can
-- still serve them (at least q unsold: common/choice.ts servingTiers); none: counts nothing
local function takeSeats(q, reach)
  local serving = {}
  for _, t in ipairs(reach) do
    if (unsold[t] or 0) >= q then serving[#serving + 1] = t end
  end
  for _, t in ipairs(serving) do
    if (room[t] or 0) < q then return false end
  end
  for _, t in ipairs(serving) do room[t] = room[t] - q end
  return true
end

if status == 'open' then
  code = 0
  local staff = redis.call('ZINTERCARD', 2, KEYS[6], KEYS[11])
  local free = maxActive - (redis.call('ZCARD', KEYS[6]) - staff) - redis.call('ZCARD', KEYS[5])
  local want = math.min(budget, free)
  local passed = serving
  local blocked = false
  while admitted < want and abandoned < maxDrops and not blocked do
    local head = redis.call('ZRANGE', KEYS[3], 0, math.min(want - admitted, maxDrops - abandoned) - 1, 'WITHSCORES')
    if #head == 0 then break end
    for i = 1, #head, 2 do
      local tid, number = head[i], tonumber(head[i + 1])
      local seen = tonumber(redis.call('ZSCORE', KEYS[4], tid) or '0')
      local fresh = seen >= freshSince
      if fresh and budgets then
        local q, reach = reachOf(redis.call('HGET', KEYS[12], tid))
        if not takeSeats(q, reach) then
          blocked = true
          break
        end
      end
      redis.call('ZREM', KEYS[3], tid)
      redis.call('ZREM', KEYS[4], tid)
      if not fresh then redis.call('HDEL', KEYS[12], tid) end
      if fresh then
        redis.call('ZADD', KEYS[5], deadline, tid)
        admitted = admitted + 1
        taken[#taken + 1] = tid
        taken[#taken + 1] = number
      else
        abandoned = abandoned + 1
      end
      if number > passed then passed = number end
    end
  end
  if passed > serving then
    serving = passed
    redis.call('SET', KEYS[7], serving)
    redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', serving)
  end
end

-- measured admission rate over the last minute
local second = math.floor(now / 1000)
if admitted > 0 then
  redis.call('HSETNX', KEYS[9], 'since', now)
  redis.call('HINCRBY', KEYS[9], second, admitted)
end
local total = 0
local fields = redis.call('HGETALL', KEYS[9])
local since = now
for i = 1, #fields, 2 do
  if fields[i] == 'since' then
    since = tonumber(fields[i + 1])
  elseif tonumber(fields[i]) <= second - 60 then
    redis.call('HDEL', KEYS[9], fields[i])
  else
    total = total + tonumber(fields[i + 1])
  end
end
local rate = 0
if total > 0 then
  local windowSeconds = math.min(60, math.max(1, (now - math.max(since, now - 60000)) / 1000))
  rate = total / windowSeconds
elseif #fields > 0 then
  redis.call('DEL', KEYS[9])
end
local rateText = string.format('%.3f', rate)
redis.call('HSET', KEYS[2], 'admitRate', rateText)
if admitted > 0 then redis.call('HINCRBY', KEYS[2], 'admittedTotal', admitted) end

-- standby: back to passing after a calm period, never past fans who wait
local sb = redis.call('HMGET', KEYS[2], 'standby', 'standbyNewPerMinute', 'standbyActiveSessions', 'standbyMode', 'standbyCalmSince', 'standbyClaimMs', 'standbyMinute', 'standbyNew', 'standbyNewBefore')
if sb[1] == '1' and status == 'open' then
  if tonumber(sb[6] or '0') ~= claimMs then redis.call('HSET', KEYS[2], 'standbyClaimMs', claimMs) end
  if sb[4] ~= 'passing' then
    local minute = math.floor(now / 60000)
    local kept = tonumber(sb[7] or '-1')
    local newNow, newBefore = 0, 0
    if kept == minute then
      newNow, newBefore = tonumber(sb[8] or '0'), tonumber(sb[9] or '0')
    elseif kept == minute - 1 then
      newBefore = tonumber(sb[8] or '0')
    end
    local perMinute = newNow + math.floor((1 - (now % 60000) / 60000) * newBefore)
    local inArea = redis.call('ZCOUNT', KEYS[6], '(' .. now, '+inf') + redis.call('ZCARD', KEYS[5])
    local calm = redis.call('ZCARD', KEYS[3]) == 0 and perMinute < tonumber(sb[2] or '0') and inArea < tonumber(sb[3] or '0')
    if not calm then
      if sb[5] then redis.call('HDEL', KEYS[2], 'standbyCalmSince') end
    elseif not sb[4] or (sb[5] and now - tonumber(sb[5]) >= calmMs) then
      local passingMode = 'passing'
      redis.call('HSET', KEYS[2], 'standbyMode', passingMode)
      redis.call('HDEL', KEYS[2], 'standbyCalmSince')
    elseif not sb[5] then
      redis.call('HSET', KEYS[2], 'standbyCalmSince', now)
    end
  end
elseif sb[1] ~= '1' and (sb[4] or sb[5]) then
  redis.call('HDEL', KEYS[2], 'standbyMode', 'standbyCalmSince')
end
if abandoned > 0 then redis.call('HINCRBY', KEYS[2], 'abandonedTotal', abandoned) end
if claimExpired > 0 then redis.call('HINCRBY', KEYS[2], 'claimExpiredTotal', claimExpired) end

return { code, admitted, abandoned, claimExpired, sessionsEnded, redis.call('ZCARD', KEYS[3]),
  redis.call('ZCARD', KEYS[6]), redis.call('ZCARD', KEYS[5]), serving, rateText,
  tonumber(redis.call('GET', KEYS[10]) or '0'), deadline, taken }
