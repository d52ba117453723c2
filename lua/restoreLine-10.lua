--[[
  Rebuilds an event's line after Redis lost it (came back empty: `full`) or went back in
  time (restored from an older snapshot: `partial`), from what MySQL keeps. In one step:
    1. the queue-state hash gets the waiting room's definition (settings, status, the
       event's name, venue and start) from MySQL;
    2. `serving` = max(Redis, durable checkpoint); `seq` = max(Redis, durable last
       number, `ahead`: the highest number a fan's ticket showed beyond the counter) +
       reserve, the reserve covering numbers issued after the last checkpoint: no number
       is ever handed out twice;
    3. tickets at or below the serving pointer leave `queue` and `seen` (they were
       admitted after the snapshot);
    4. `admitted` gets the admissions MySQL has that are unclaimed and within their claim
       window; tickets MySQL knows claimed leave it; sessions MySQL knows ended leave
       `active`;
    5. every number in (serving, seq] that no waiting ticket holds goes into both `lost`
       (a fan who comes back with a valid ticket of it is put back at it) and `gone` (it
       counts as nobody ahead); `lost` expires after the restore grace (not for a sale
       that is over: it admits nobody);
    6. `restoredAt`, `restoreKind`, `restores` (+1) and `lostTotal` record it; `ahead`
       is cleared and `vouchedRun` names this Redis run: the edge trusts the line again.
  Members are added in chunks of 500, so a reserve of 100,000 numbers stays well within
  Lua's stack. A long line is marked beforehand by markLost-4 in ranges of 10,000 (one call
  marking 430,000 numbers held Redis for over 5 s), so this step marks only what is left.
  Only the scheduling leader may run it (fencing token first).

  KEYS[1]  schedulerLease  string  fencing token of the leader
  KEYS[2]  queueState      hash    receives the definition and the restore's fields; ahead, vouchedRun
  KEYS[3]  seq             string  ticket counter
  KEYS[4]  serving         string  serving pointer
  KEYS[5]  queue           zset    waiting ticketId -> queue number
  KEYS[6]  seen            zset    waiting ticketId -> last seen (ms)
  KEYS[7]  admitted        zset    admitted ticketId -> claim deadline (ms)
  KEYS[8]  active          zset    sessionId -> session expiry (ms)
  KEYS[9]  gone            zset    numbers that count as nobody ahead (score = member = number)
  KEYS[10] lost            zset    numbers awaiting their fan (score = member = number)

  ARGV[1] fencing token of the caller
  ARGV[2] now (ms)
  ARGV[3] kind: full | partial
  ARGV[4] durable serving pointer
  ARGV[5] durable last number issued
  ARGV[6] reserve: numbers added above the highest known
  ARGV[7] restore grace (ms): how long `lost` numbers wait for their fans
  ARGV[8] premarked: the highest number markLost-4 already went over for this restore (0: none);
          only numbers above it are marked here, and a premarked number a waiting ticket
          holds now is taken back out of `lost` and `gone`
  ARGV[9] how many numbers markLost-4 put in `lost` for this restore
  ARGV[10] n: queue-state field/value pairs that follow
  ARGV[11 .. 10+2n] field, value pairs (an empty value removes the field: a setting left at its default)
  then    a: admissions that follow, then a pairs ticketId, claim deadline (ms)
  then    c: ticket ids that follow, claimed per MySQL (leave `admitted`)
  then    the session ids MySQL knows ended (leave `active`)

  Returns { code, serving, seq, lost, dropped }
    0  RESTORED    lost = numbers put in `lost`; dropped = waiting tickets at or below serving removed
   -1  NOT_LEADER  the caller does not hold the lease; nothing was changed
]]
-- @include vouchRun
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -1, 0, 0, 0, 0 } end
local now = tonumber(ARGV[2])
local kind = ARGV[3]
local CHUNK = 500

local serving = math.max(tonumber(redis.call('GET', KEYS[4]) or '0'), tonumber(ARGV[4]))
-- `ahead`: the highest number a fan's ticket showed beyond the counter (the edge records it)
local ahead = tonumber(redis.call('HGET', KEYS[2], 'ahead') or '0') or 0
local seq = math.max(tonumber(redis.call('GET', KEYS[3]) or '0'), tonumber(ARGV[5]), ahead) + tonumber(ARGV[6])
local graceMs = tonumber(ARGV[7])
local premarked = tonumber(ARGV[8])
local premarkedLost = tonumber(ARGV[9])

local i = 10
local n = tonumber(ARGV[i])
for j = 1, n do
  if ARGV[i + 2 * j] == '' then
    redis.call('HDEL', KEYS[2], ARGV[i + 2 * j - 1])
  else
    redis.call('HSET', KEYS[2], ARGV[i + 2 * j - 1], ARGV[i + 2 * j])
  end
end
i = i + 2 * n + 1

-- tickets the pointer passed were admitted after the snapshot
local dropped = 0
while true do
  local passed = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', serving, 'LIMIT', 0, CHUNK)
  if #passed == 0 then break end
  redis.call('ZREM', KEYS[5], unpack(passed))
  redis.call('ZREM', KEYS[6], unpack(passed))
  dropped = dropped + #passed
end

-- admissions from MySQL: unclaimed, within their window
local a = tonumber(ARGV[i])
local batch = {}
for j = 1, a do
  local tid, deadline = ARGV[i + 2 * j - 1], tonumber(ARGV[i + 2 * j])
  if deadline > now then
    batch[#batch + 1] = deadline
    batch[#batch + 1] = tid
    if #batch >= 2 * CHUNK then
      redis.call('ZADD', KEYS[7], unpack(batch))
      batch = {}
    end
  end
end
if #batch > 0 then redis.call('ZADD', KEYS[7], unpack(batch)) end
i = i + 2 * a + 1
local c = tonumber(ARGV[i])
for j = 1, c do redis.call('ZREM', KEYS[7], ARGV[i + j]) end
i = i + c + 1
redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', '(' .. now)
for j = i, #ARGV do redis.call('ZREM', KEYS[8], ARGV[j]) end

-- numbers above the pointer that no waiting ticket holds
local held = {}
local waiting = redis.call('ZRANGEBYSCORE', KEYS[5], '(' .. serving, '+inf', 'WITHSCORES')
local lost = premarkedLost
for j = 2, #waiting, 2 do
  local number = tonumber(waiting[j])
  held[number] = true
  -- a premarked number a waiting ticket holds now is not lost
  if number <= premarked and redis.call('ZREM', KEYS[10], waiting[j]) == 1 then
    redis.call('ZREM', KEYS[9], waiting[j])
    lost = lost - 1
  end
end
batch = {}
local function flush()
  if #batch == 0 then return end
  redis.call('ZADD', KEYS[10], unpack(batch))
  redis.call('ZADD', KEYS[9], unpack(batch))
  batch = {}
end
-- a sale that is over admits nobody: its numbers need no fans back
local over = redis.call('HGET', KEYS[2], 'status')
over = over == 'soldout' or over == 'closed'
for number = math.max(serving, premarked) + 1, over and serving or seq do
  if not held[number] then
    batch[#batch + 1] = number
    batch[#batch + 1] = number
    lost = lost + 1
    if #batch >= 2 * CHUNK then flush() end
  end
end
flush()

redis.call('SET', KEYS[4], serving)
redis.call('SET', KEYS[3], seq)
redis.call('ZREMRANGEBYSCORE', KEYS[9], '-inf', serving)
if redis.call('EXISTS', KEYS[10]) == 1 then redis.call('PEXPIRE', KEYS[10], graceMs) end
redis.call('HSET', KEYS[2], 'restoredAt', now, 'restoreKind', kind)
redis.call('HDEL', KEYS[2], 'ahead')
vouchRun(KEYS[2])
redis.call('HINCRBY', KEYS[2], 'restores', 1)
redis.call('HINCRBY', KEYS[2], 'lostTotal', lost)
return { 0, serving, seq, lost, dropped }
