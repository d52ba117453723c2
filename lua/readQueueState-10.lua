#!lua flags=allow-key-locking
--[[
  One read of an event's shared queue state, made at most once per tick by each edge
  isolate and fanned out to all of its open streams. Also, in the same call:
  refreshes presence of the isolate's connected fans, retires waiting tickets whose
  fans left (not seen within the grace period), and looks up whether the listed
  tickets the serving pointer has passed were admitted, and lists the tickets whose
  places moved to another device (movePlace) since the isolate's last read, so the
  streams of those tickets are told at once, and the choices declared since then
  (declareChoice), so a fan's open streams show the new one on their next frame.

  KEYS[1] seq         string  ticket counter: the newest queue number
  KEYS[2] serving     string  serving pointer
  KEYS[3] queue       zset    waiting ticketId -> queue number
  KEYS[4] seen        zset    waiting ticketId -> last seen (ms)
  KEYS[5] gone        zset    queue numbers of tickets that left, above the serving pointer
  KEYS[6] admitted    zset    admitted ticketId -> claim deadline (ms)
  KEYS[7] queueState  hash    status, vouchedRun, ahead, admitRate, maxWaiting, opensAt, eventName, venue, startsAt, restoredAt, presenceGraceSeconds, honest, honestStop, deviceBinding, queueingStatusCode, choiceCutoffs, closesAt
  KEYS[8] moved       zset    old ticketId -> when its place moved to another device (ms)
  KEYS[9] choices     hash    ticketId -> declared choice "<quantity>|<tier>|<maxPriceCents>"
  KEYS[10] choiceChanges zset ticketId -> when (ms) its choice last changed

  ARGV[1] now (ms)
  ARGV[2] default presence grace (ms): waiting tickets not seen since now - grace have left;
          the event's own `presenceGraceSeconds` (set by the organiser) wins over it
  ARGV[3] how many gone numbers to return at most
  ARGV[4] how many left tickets to retire at most in this call
  ARGV[5] moved since (ms): list the tickets moved after this
  ARGV[6] choices changed since (ms): list the tickets whose choice changed after this
  ARGV[7] n = how many ticket ids to mark present follow
  ARGV[8 .. 7+n]    ticket ids present now
  ARGV[8+n .. ]     ticket ids to look up in admitted

  Returns { tail, serving, waiting, goneTotal, status, admitRate, maxWaiting, {gone numbers}, {lookups}, opensAt, eventName, venue, startsAt, restoredAt, {early numbers}, graceMs, {moved ticket ids}, honest, honestStop, deviceBinding, queueingStatusCode, choiceCutoffs, {changed choices}, closesAt, readAt }
    status "" = the line is being restored (includes/lineRestoring.lua; never read as open):
      nothing else is read or written, presence and departures wait for the restore
    each lookup is the claim deadline (ms) as a string, "w" while still waiting, "" when neither
    restoredAt = when the line was last restored after Redis lost it (ms), "" if never
    early numbers = numbers at or below the serving pointer that wait again (fans put back
      after a restore who came back once the pointer had passed them; they are served first),
      ascending, at most ARGV[3]
    graceMs = the presence grace this read applied (the event's, else ARGV[2])
    moved ticket ids = tickets whose place moved since ARGV[5], at most ARGV[3]
    honest = the leader's estimate of what the sale has left (common/honest-line.ts), "" if none
    honestStop = the first position where the line takes no new place (minChance), "" if none
    deviceBinding = the organiser's device binding (off | optional | required; "" = off)
    queueingStatusCode = the waiting page's HTTP status for a queued fan (200 | 202 | 429; "" = 200)
    choiceCutoffs = JSON tier -> the first queue number at which that tier runs out for the
      seats declared ahead (the leader's seat budgets), "" if none
    changed choices = ticketId, choice, ticketId, choice, ... for the tickets whose choice
      changed after ARGV[6] (at most ARGV[3] tickets; "" for a choice since deleted)
    closesAt = when the sale closes (ms, the organiser's closing time), "" if none
    readAt = Redis's own clock (TIME, ms) at this read: when the state it answers was read
]]
-- @include lineRestoring
-- @include earlyNumbers
local guard = redis.call('HMGET', KEYS[7], 'status', 'vouchedRun', 'ahead')
if lineRestoring(guard[1], guard[2], guard[3]) then
  return { 0, 0, 0, 0, '', '', '', {}, {}, '', '', '', '', '', {}, 0, {}, '', '', '', '', '', {}, '' }
end
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[7])
local graceMs = tonumber(ARGV[2])
local eventGrace = tonumber(redis.call('HGET', KEYS[7], 'presenceGraceSeconds') or '')
if eventGrace and eventGrace > 0 then graceMs = eventGrace * 1000 end
local serving = tonumber(redis.call('GET', KEYS[2]) or '0')

-- presence: only tickets that still wait (XX), in chunks that stay below Lua's stack limit
local i = 8
while i <= 7 + n do
  local args = { 'XX' }
  local last = math.min(7 + n, i + 499)
  for j = i, last do
    args[#args + 1] = ARGV[1]
    args[#args + 1] = ARGV[j]
  end
  redis.call('ZADD', KEYS[4], unpack(args))
  i = last + 1
end

-- retire tickets whose fans left: they stop counting ahead of others and are never admitted
local left = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. (now - graceMs), 'LIMIT', 0, tonumber(ARGV[4]))
for _, tid in ipairs(left) do
  local number = redis.call('ZSCORE', KEYS[3], tid)
  redis.call('ZREM', KEYS[3], tid)
  redis.call('ZREM', KEYS[4], tid)
  if number and tonumber(number) > serving then redis.call('ZADD', KEYS[5], number, number) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', serving)

local lookups = {}
for j = 8 + n, #ARGV do
  local deadline = redis.call('ZSCORE', KEYS[6], ARGV[j])
  if deadline then
    lookups[#lookups + 1] = deadline
  elseif redis.call('ZSCORE', KEYS[3], ARGV[j]) then
    lookups[#lookups + 1] = 'w'
  else
    lookups[#lookups + 1] = ''
  end
end

local early = earlyNumbers(KEYS[3], serving, tonumber(ARGV[3]))

local changed = {}
for _, tid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[10], '(' .. ARGV[6], '+inf', 'LIMIT', 0, tonumber(ARGV[3]))) do
  changed[#changed + 1] = tid
  changed[#changed + 1] = redis.call('HGET', KEYS[9], tid) or ''
end

local clock = redis.call('TIME')
local state = redis.call('HMGET', KEYS[7], 'status', 'admitRate', 'maxWaiting', 'opensAt', 'eventName', 'venue', 'startsAt', 'restoredAt', 'honest', 'honestStop', 'deviceBinding', 'queueingStatusCode', 'choiceCutoffs', 'closesAt')
return {
  tonumber(redis.call('GET', KEYS[1]) or '0'),
  serving,
  redis.call('ZCARD', KEYS[3]),
  redis.call('ZCARD', KEYS[5]),
  state[1] or '',
  state[2] or '',
  state[3] or '',
  redis.call('ZRANGEBYSCORE', KEYS[5], '(' .. serving, '+inf', 'LIMIT', 0, tonumber(ARGV[3])),
  lookups,
  state[4] or '',
  state[5] or '',
  state[6] or '',
  state[7] or '',
  state[8] or '',
  early,
  graceMs,
  redis.call('ZRANGEBYSCORE', KEYS[8], '(' .. ARGV[5], '+inf', 'LIMIT', 0, tonumber(ARGV[3])),
  state[9] or '',
  state[10] or '',
  state[11] or '',
  state[12] or '',
  state[13] or '',
  changed,
  state[14] or '',
  clock[1] * 1000 + math.floor(clock[2] / 1000),
}
