#!lua flags=allow-key-locking
--[[
  Puts a batch of fans in an event's waiting line in one step, or finds the places they
  already have. The edge coalesces the joins arriving at one shard within a few
  milliseconds into one call, so the line's fixed work (state, counter, the two ZADDs) is
  paid once per batch, not once per fan.

  Every new place is limited per client IP here, with @upstash/ratelimit's sliding window
  on its own keys (`<prefix>:<ip>:<window>`, weighted by the previous window exactly as its
  script does), so the limiter's record stays the one `Ratelimit.getRemaining` and
  `resetUsedTokens` read. A join that keeps a place the fan already has is not a new place
  and is never limited. Refused joins take no number: numbers are handed out only to new
  places, consecutively, so a number no fan holds never counts as a fan ahead.

  After Redis lost the line, a fan whose valid ticket is in neither `queue` nor `admitted`
  but whose number the restore listed in `lost` is put back at that number, once: the line
  keeps its order. While the line is being restored (includes/lineRestoring.lua) nobody is
  placed: a fan holding a valid ticket, and anyone while queueState has a status, is told
  RESTORING (with no status and no ticket: NO_QUEUE). A held ticket whose number is beyond
  the counter proves Redis went back in time: it is recorded in `ahead` and the batch is
  told RESTORING, so no number is handed out twice.

  With the event's `challenge` set to `pow`, a new place also needs a proof-of-work
  solution the edge verified (signature, expiry, event) before the call; here it is spent,
  once: a solution id already in `challengeUsed` (or twice in one batch) is no solution, nor
  is one of the other kind (ids start with `pow:` or `turnstile:`, the mode they answer).
  With `turnstile`, the same holds for the Turnstile token the edge had verified. A proof-
  of-work's difficulty must be at least what the IP needs now: the base difficulty, doubled for each
  new place the IP took in the limiter's window beyond the free ones (capped), so an IP that
  joins fast pays more per place. A join without a good solution is refused, or, when
  `challengeFailure` is `infinite`, told INFINITE: it takes no number and writes nothing
  (the edge gives it a place that looks real and is in no line). A good solution that is
  too easy is not spent: the client solves a harder one. Joins with IP 0 (trusted callers)
  need no solution.

  Standby (queueState standby = 1, the organiser's "queue only when needed"): while the
  room is passing (standbyMode = passing, which only the scheduling leader sets, after a
  calm period) and the line is empty, a new fan is let straight through: the place takes
  the next number as always, and the fan is admitted at once (in `admitted` with the claim
  deadline standbyClaimMs from now, the same record a scheduler admission writes) instead
  of waiting; the serving pointer passes the number. Every new place, passed or queued,
  counts against standbyNewPerMinute (a sliding minute kept in standbyMinute, standbyNew,
  standbyNewBefore, weighted like the limiter). The first new place that would pass a
  threshold (the new places of the last minute reaching standbyNewPerMinute, or live
  sessions plus unclaimed admissions reaching standbyActiveSessions), or that finds fans
  waiting, joins the line and switches the room to queueing (standbyMode = queueing), as
  does every one after it in the batch: nobody passes a fan already waiting.

  Identity (queueState identity = email | passkey | either, docs/IDENTITY.md): a new place
  needs the identity the edge verified from the fan's proof (`email:<hash>` or
  `passkey:<hash>`, of a kind the setting takes), else IDENTITY_REQUIRED; and one identity
  holds one place: `identities` maps it to the ticket of its place, and while that ticket
  waits or is admitted (its claim window open) a second new place is refused
  (IDENTITY_IN_LINE), as is a second join of one identity in one batch. A place that ended
  (the fan left, was dropped, claimed or let the claim window pass) frees the identity: its
  entry is stale and the next place overwrites it. A fan who keeps a place needs no proof.

  KEYS[1] seq           string  ticket counter: the newest queue number
  KEYS[2] queue         zset    waiting ticketId -> queue number
  KEYS[3] seen          zset    waiting ticketId -> last seen (ms)
  KEYS[4] admitted      zset    admitted ticketId -> claim deadline (ms)
  KEYS[5] queueState    hash    status, vouchedRun, ahead, maxWaiting, admitRate, opensAt, eventName, venue, startsAt, challenge, challengeFailure, honestStop, inviteOnly, identity, closesAt,
                                standby, standbyNewPerMinute, standbyActiveSessions, standbyMode, standbyClaimMs, standbyMinute, standbyNew, standbyNewBefore;
                                replacedTotal, passedTotal (HINCRBY)
  KEYS[6] serving       string  serving pointer
  KEYS[7] gone          zset    queue numbers of tickets that left, above the serving pointer
  KEYS[8] lost          zset    queue numbers a restore found without a ticket, awaiting their fan
  KEYS[9] challengeUsed zset    spent solution id -> until when it stays spent (ms)
  KEYS[10] active       zset    sessionId -> session expiry (ms) (read only: standby's active sessions)
  KEYS[11] identities   hash    identity -> ticket id of the place it holds
  KEYS[12 ..]           string  rate-limit buckets, two per client IP of the batch: the IP's
                                current window, then its previous window

  ARGV[1] now (ms)
  ARGV[2] new places allowed per IP per window
  ARGV[3] window (ms)
  ARGV[4] n = joins in the batch
  ARGV[5] how long a spent solution stays spent (ms): at least a challenge's lifetime
  ARGV[6] base difficulty (a challenge's maxnumber)
  ARGV[7] new places per IP in the window at the base difficulty; each one more doubles it
  ARGV[8] highest difficulty asked
  then seven arguments per join, in arrival order:
  ARGV[9 + 7i]   ticket id the fan already holds (from a valid ticket), or ""
  ARGV[10 + 7i]  that ticket's queue number, or 0
  ARGV[11 + 7i]  fresh ticket id to use if the fan gets a new place
  ARGV[12 + 7i]  which IP of KEYS[12 ..] the join came from (1 = KEYS[12], KEYS[13]); 0 = not
                 limited and no challenge (trusted callers seeding a line: tests, benches)
  ARGV[13 + 7i]  id of the solution the edge verified (`pow:<id>` or `turnstile:<id>`), or "" (none, or not good)
  ARGV[14 + 7i]  a proof-of-work's difficulty, or 0
  ARGV[15 + 7i]  the identity the edge verified from the join's proof (`email:<hash>`, `passkey:<hash>`), or ""
  ARGV[9 + 7n ..] the joins (1 = the first) that bring an access code the edge redeemed for
                 their fresh ticket id: in an invite-only room only these get a new place

  Returns { state, codes, numbers, details, next }
    state = { status, serving, tail, waiting, goneTotal, admitRate, maxWaiting, opensAt,
              eventName, venue, startsAt, {early numbers}, challenge, challengeFailure, closesAt }
              after the batch; early numbers = numbers at or below the serving pointer that
              wait again (fans put back after a restore once the pointer had passed them),
              ascending, at most 2000
    per join, in order: code, queue number, detail
      0  JOINED            a new place at the back; detail = fans who left ahead of it
      1  WAITING           the fan already waits (presence refreshed); detail = fans who left ahead
      2  ADMITTED          the fan's turn came and the claim window is open; detail = claim deadline (ms)
      3  REPLACED          put back at the ticket's own number (it was in lost); detail = fans who left ahead
     -1  NO_QUEUE          the event has no queue (no status in queueState) and the fan holds no ticket
     -2  SALE_ENDED        status soldout or closed: no new places
     -3  QUEUE_FULL        maxWaiting fans already wait
     -4  RATE_LIMITED      this IP used its new places for the window; detail = when the window resets (ms)
     -5  RESTORING         the line is being restored: nobody is placed
     -6  CHALLENGE_FAILED  no good unspent solution, and challengeFailure is refuse
     -7  CHALLENGE_HARDER  a good solution, easier than this IP needs now (not spent); detail = the difficulty needed
     -8  INFINITE          no good unspent solution, and challengeFailure is infinite; number = the
                           newest number handed out (none is taken), detail = fans who left
     -9  LINE_STOPPED      the new place would be at or past honestStop (the leader's, from the
                           organiser's minChance): tickets are unlikely there, so no new place
    -10  INVITE_ONLY       the room is invite-only (queueState inviteOnly = 1) and the join
                           brought no redeemed access code
      4  PASSED            standby let the new fan straight through: admitted at once at this
                           number (no waiting place); detail = claim deadline (ms)
    -11  IDENTITY_REQUIRED the sale asks an identity (queueState identity) and the join brought none of a kind it takes
    -12  IDENTITY_IN_LINE  the join's identity holds a place in this line already (waiting, or admitted and not claimed)
    next, per join: the proof-of-work difficulty its IP needs for a new place after this batch (0: none asked)
]]
-- @include lineRestoring
-- @include earlyNumbers
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local spentMs = tonumber(ARGV[5])
local baseDifficulty = tonumber(ARGV[6])
local freePlaces = tonumber(ARGV[7])
local maxDifficulty = tonumber(ARGV[8])

local state = redis.call('HMGET', KEYS[5], 'status', 'maxWaiting', 'admitRate', 'opensAt', 'eventName', 'venue', 'startsAt', 'vouchedRun', 'ahead', 'challenge', 'challengeFailure', 'honestStop', 'inviteOnly', 'identity', 'closesAt')
local sb = redis.call('HMGET', KEYS[5], 'standby', 'standbyNewPerMinute', 'standbyActiveSessions', 'standbyMode', 'standbyClaimMs', 'standbyMinute', 'standbyNew', 'standbyNewBefore')
local status = state[1]
local restoring = lineRestoring(status, state[8], state[9])
local serving = tonumber(redis.call('GET', KEYS[6]) or '0')
local waiting = redis.call('ZCARD', KEYS[2])
local goneTotal = redis.call('ZCARD', KEYS[7])

local codes, numbers, details = {}, {}, {}

-- fans that already hold a ticket: look them up, all at once
local heldAt, heldTids = {}, {}
for i = 0, n - 1 do
  local held = ARGV[9 + 7 * i]
  if held ~= '' then
    heldAt[#heldAt + 1] = i
    heldTids[#heldTids + 1] = held
  end
end
local keep = {}
local replaced, replacedAt = 0, {}
local seenArgs = {}
local inQueue, inAdmitted = {}, {}
if #heldTids > 0 and not restoring then
  inQueue = redis.call('ZMSCORE', KEYS[2], unpack(heldTids))
  inAdmitted = redis.call('ZMSCORE', KEYS[4], unpack(heldTids))
  -- a held number the counter never reached: Redis went back in time
  local counter = tonumber(redis.call('GET', KEYS[1]) or '0')
  local ahead = 0
  for j, i in ipairs(heldAt) do
    local num = tonumber(ARGV[10 + 7 * i]) or 0
    if not inQueue[j] and not inAdmitted[j] and num > counter and num > ahead then ahead = num end
  end
  if ahead > 0 then
    redis.call('HSET', KEYS[5], 'ahead', ahead)
    restoring = true
  end
end
if restoring then
  for i = 0, n - 1 do
    codes[i + 1] = (not status and ARGV[9 + 7 * i] == '') and -1 or -5
    numbers[i + 1], details[i + 1] = 0, 0
  end
  return { { status or '', serving, 0, waiting, goneTotal, '', '', '', '', '', '', {}, state[10] or '', state[11] or '', '' }, codes, numbers, details, {} }
end
if #heldTids > 0 then
  for j, i in ipairs(heldAt) do
    if inQueue[j] then
      keep[i] = { 1, tonumber(inQueue[j]) }
    elseif inAdmitted[j] and tonumber(inAdmitted[j]) > now then
      keep[i] = { 2, tonumber(inAdmitted[j]) }
    elseif replacedAt[heldTids[j]] then
      -- the same ticket twice in one batch (two tabs): the place it was just given back
      keep[i] = { 1, replacedAt[heldTids[j]] }
    elseif not inAdmitted[j] then
      -- a ticket the restore is holding a number for: back at that number, once
      local num = tonumber(ARGV[10 + 7 * i]) or 0
      if num > 0 and redis.call('ZSCORE', KEYS[8], num) then
        local tid = heldTids[j]
        replacedAt[tid] = num
        redis.call('ZREM', KEYS[8], num)
        goneTotal = goneTotal - redis.call('ZREM', KEYS[7], num)
        redis.call('ZADD', KEYS[2], num, tid)
        seenArgs[#seenArgs + 1] = now
        seenArgs[#seenArgs + 1] = tid
        waiting = waiting + 1
        replaced = replaced + 1
        keep[i] = { 3, num }
      end
    end
  end
end
if replaced > 0 then redis.call('HINCRBY', KEYS[5], 'replacedTotal', replaced) end

-- the limiter's current use per IP (sliding window: current + weighted previous)
local nKeys = #KEYS - 11
local used, taken, fresh = {}, {}, {}
if nKeys > 0 then
  local buckets = redis.call('MGET', unpack(KEYS, 12, #KEYS))
  local weight = 1 - (now % window) / window
  for ip = 1, nKeys / 2 do
    local current, previous = buckets[2 * ip - 1], buckets[2 * ip]
    fresh[ip] = not current
    used[ip] = tonumber(current or '0') + math.floor(weight * tonumber(previous or '0'))
    taken[ip] = 0
  end
end
local reset = (math.floor(now / window) + 1) * window
local maxWaiting = tonumber(state[2] or '0')
local stopAt = tonumber(state[12] or '0') or 0
local inviteOnly = state[13] == '1'
local invited = {}
for a = 9 + 7 * n, #ARGV do invited[tonumber(ARGV[a])] = true end

-- the challenge: which joins carry a good solution nobody spent yet
local pow = state[10] == 'pow' or state[10] == 'turnstile'
local kind = (state[10] or '') .. ':'
local infinite = state[11] == 'infinite'
local spent, spentArgs = {}, {}
if pow then
  local ids = {}
  for i = 0, n - 1 do
    if not keep[i] and ARGV[13 + 7 * i] ~= '' then ids[#ids + 1] = ARGV[13 + 7 * i] end
  end
  if #ids > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', now)
    local found = redis.call('ZMSCORE', KEYS[9], unpack(ids))
    for j, id in ipairs(ids) do
      if found[j] then spent[id] = true end
    end
  end
end
-- what an IP needs for a new place, having taken `places` in the window
local function needed(places)
  if places < freePlaces then return baseDifficulty end
  return math.min(maxDifficulty, baseDifficulty * 2 ^ math.min(places - freePlaces + 1, 40))
end

-- standby: the new places of the sliding minute before this batch, and whether the room passes
local standby = sb[1] == '1' and status == 'open'
local perMinute = tonumber(sb[2] or '0') or 0
local activeCap = tonumber(sb[3] or '0') or 0
local claimMs = tonumber(sb[5] or '0') or 0
local passing = standby and sb[4] == 'passing' and claimMs > 0
local minute = math.floor(now / 60000)
local newNow, newBefore = 0, 0
if standby then
  local kept = tonumber(sb[6] or '-1')
  if kept == minute then
    newNow, newBefore = tonumber(sb[7] or '0'), tonumber(sb[8] or '0')
  elseif kept == minute - 1 then
    newBefore = tonumber(sb[7] or '0')
  end
end
local weightedBefore = math.floor((1 - (now % 60000) / 60000) * newBefore)
local inArea = 0
if passing then
  inArea = redis.call('ZCOUNT', KEYS[10], '(' .. now, '+inf') + redis.call('ZCOUNT', KEYS[4], now, '+inf')
end
local passed, switched = {}, false

-- identity: which kinds a new place takes, and whether an identity holds a live place already
local identityMode = state[14] or ''
local needsIdentity = identityMode == 'email' or identityMode == 'passkey' or identityMode == 'either'
local identityTaken, identityArgs = {}, {}
local function identityFits(identity)
  if identity == '' then return false end
  local kind = string.match(identity, '^(%a+):')
  return identityMode == 'either' or kind == identityMode
end
local function identityInLine(identity)
  if identityTaken[identity] then return true end
  local tid = redis.call('HGET', KEYS[11], identity)
  if not tid then return false end
  if redis.call('ZSCORE', KEYS[2], tid) then return true end
  local deadline = redis.call('ZSCORE', KEYS[4], tid)
  return deadline ~= false and deadline ~= nil and tonumber(deadline) > now
end

local accepted = {}
for i = 0, n - 1 do
  local k = keep[i]
  if k then
    codes[i + 1], numbers[i + 1] = k[1], 0
    if k[1] == 1 or k[1] == 3 then
      numbers[i + 1] = k[2]
      details[i + 1] = redis.call('ZCOUNT', KEYS[7], '-inf', '(' .. k[2])
      if k[1] == 1 then
        seenArgs[#seenArgs + 1] = now
        seenArgs[#seenArgs + 1] = ARGV[9 + 7 * i]
      end
    else
      details[i + 1] = k[2]
    end
  else
    numbers[i + 1], details[i + 1] = 0, 0
    local ip = tonumber(ARGV[12 + 7 * i])
    if not status then
      codes[i + 1] = ARGV[9 + 7 * i] ~= '' and -5 or -1
    elseif status == 'soldout' or status == 'closed' then
      codes[i + 1] = -2
    elseif inviteOnly and not invited[i + 1] then
      codes[i + 1] = -10
    elseif needsIdentity and ip > 0 and not identityFits(ARGV[15 + 7 * i]) then
      codes[i + 1] = -11
    elseif ARGV[15 + 7 * i] ~= '' and identityInLine(ARGV[15 + 7 * i]) then
      codes[i + 1] = -12
    elseif pow and ip > 0 and (string.sub(ARGV[13 + 7 * i], 1, #kind) ~= kind or spent[ARGV[13 + 7 * i]]) then
      if infinite then codes[i + 1] = -8 else codes[i + 1] = -6 end
    elseif used[ip] and used[ip] + taken[ip] >= limit then
      codes[i + 1], details[i + 1] = -4, reset
    elseif state[10] == 'pow' and ip > 0 and tonumber(ARGV[14 + 7 * i]) < needed(used[ip] + taken[ip]) then
      codes[i + 1], details[i + 1] = -7, needed(used[ip] + taken[ip])
    elseif maxWaiting > 0 and waiting + #accepted >= maxWaiting then
      codes[i + 1] = -3
    elseif stopAt > 0 and waiting + #accepted + 1 >= stopAt then
      codes[i + 1] = -9
    else
      if used[ip] then taken[ip] = taken[ip] + 1 end
      accepted[#accepted + 1] = i
      codes[i + 1] = 0
      local identity = ARGV[15 + 7 * i]
      if identity ~= '' then
        identityTaken[identity] = true
        identityArgs[#identityArgs + 1] = identity
        identityArgs[#identityArgs + 1] = ARGV[11 + 7 * i]
      end
      if standby then
        if passing and waiting + #accepted - #passed == 1 and newNow + weightedBefore < perMinute and inArea + #passed < activeCap then
          passed[#passed + 1] = i
          codes[i + 1] = 4
        elseif passing then
          -- a threshold is passed (or fans wait): the room queues from this fan on
          passing, switched = false, true
        end
        newNow = newNow + 1
      end
      if pow and ip > 0 then
        -- spent now: the same solution later in this batch, or in any later one, is no solution
        local id = ARGV[13 + 7 * i]
        spent[id] = true
        spentArgs[#spentArgs + 1] = now + spentMs
        spentArgs[#spentArgs + 1] = id
      end
    end
  end
end

local tail
if #accepted > 0 then
  tail = redis.call('INCRBY', KEYS[1], #accepted)
  local first = tail - #accepted
  local queueArgs, passArgs = {}, {}
  local deadline = now + claimMs
  for j, i in ipairs(accepted) do
    numbers[i + 1] = first + j
    if codes[i + 1] == 4 then
      -- straight through: admitted at once; passes come first in a batch, the line being empty
      details[i + 1] = deadline
      passArgs[#passArgs + 1] = deadline
      passArgs[#passArgs + 1] = ARGV[11 + 7 * i]
      serving = first + j
    else
      details[i + 1] = goneTotal
      queueArgs[#queueArgs + 1] = first + j
      queueArgs[#queueArgs + 1] = ARGV[11 + 7 * i]
      seenArgs[#seenArgs + 1] = now
      seenArgs[#seenArgs + 1] = ARGV[11 + 7 * i]
    end
  end
  if #passArgs > 0 then
    redis.call('ZADD', KEYS[4], unpack(passArgs))
    redis.call('SET', KEYS[6], serving)
    goneTotal = goneTotal - redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', serving)
    redis.call('HINCRBY', KEYS[5], 'passedTotal', #passed)
    redis.call('HINCRBY', KEYS[5], 'admittedTotal', #passed)
    -- the queued fans of this batch come after the passed ones: nobody left ahead of them
    for _, i in ipairs(accepted) do
      if codes[i + 1] == 0 then details[i + 1] = goneTotal end
    end
  end
  if #queueArgs > 0 then redis.call('ZADD', KEYS[2], unpack(queueArgs)) end
  waiting = waiting + #accepted - #passed
  for ip = 1, nKeys / 2 do
    if taken[ip] > 0 then
      if fresh[ip] then
        redis.call('SET', KEYS[10 + 2 * ip], taken[ip], 'PX', window * 2 + 1000)
      else
        redis.call('INCRBY', KEYS[10 + 2 * ip], taken[ip])
      end
    end
  end
else
  tail = tonumber(redis.call('GET', KEYS[1]) or '0')
end
if #seenArgs > 0 then redis.call('ZADD', KEYS[3], unpack(seenArgs)) end
if #identityArgs > 0 then redis.call('HSET', KEYS[11], unpack(identityArgs)) end
if standby and #accepted > 0 then
  redis.call('HSET', KEYS[5], 'standbyMinute', minute, 'standbyNew', newNow, 'standbyNewBefore', newBefore)
end
local queueingMode = 'queueing'
if switched then redis.call('HSET', KEYS[5], 'standbyMode', queueingMode) end
if #spentArgs > 0 then
  redis.call('ZADD', KEYS[9], unpack(spentArgs))
  redis.call('PEXPIRE', KEYS[9], spentMs)
end

-- infinite places show the newest number handed out: one a real fan holds, never beyond the counter
local nextNeeded = {}
for i = 0, n - 1 do
  if codes[i + 1] == -8 then numbers[i + 1], details[i + 1] = tail, goneTotal end
  local ip = tonumber(ARGV[12 + 7 * i])
  nextNeeded[i + 1] = (state[10] == 'pow' and ip > 0 and used[ip]) and needed(used[ip] + taken[ip]) or 0
end

local early = earlyNumbers(KEYS[2], serving, 2000)

return {
  { status or '', serving, tail, waiting, goneTotal, state[3] or '', state[2] or '', state[4] or '', state[5] or '', state[6] or '', state[7] or '', early, state[10] or '', state[11] or '', state[15] or '' },
  codes,
  numbers,
  details,
  nextNeeded,
}
