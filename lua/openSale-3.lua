--[[
  Opens a sale that had a pre-queue: every fan who joined before the opening gets a place
  drawn by lot (a Fisher-Yates shuffle of the queue numbers they hold), so joining early
  or refreshing gives no advantage; fans who join afterwards get numbers after all of
  them, in arrival order. Runs once: only while the status is `prequeue`, and only for the
  scheduling leader (fencing token). The draw uses xorshift128 seeded by the caller from a
  cryptographic source, since Lua's own random generator is not.

  KEYS[1] schedulerLease  string  fencing token of the leader
  KEYS[2] queueState      hash    status, opensAt
  KEYS[3] queue           zset    waiting ticketId -> queue number

  ARGV[1] fencing token of the caller
  ARGV[2] now (ms)
  ARGV[3..6] four 32-bit seeds (not all zero)

  Returns { code, count }
    0  OPENED        count = fans placed by lot
    1  NOT_PREQUEUE  the sale is not waiting to open (already opened, paused, closed...)
    2  NOT_YET       opensAt is still in the future
   -1  NOT_LEADER
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { -1, 0 } end
local state = redis.call('HMGET', KEYS[2], 'status', 'opensAt')
if state[1] ~= 'prequeue' then return { 1, 0 } end
local now = tonumber(ARGV[2])
if tonumber(state[2] or '0') > now then return { 2, 0 } end

local s = { tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]) }
local function nextRandom()
  local t = bit.bxor(s[1], bit.lshift(s[1], 11))
  s[1], s[2], s[3] = s[2], s[3], s[4]
  s[4] = bit.bxor(bit.bxor(s[4], bit.rshift(s[4], 19)), bit.bxor(t, bit.rshift(t, 8)))
  return s[4] % 4294967296
end
for _ = 1, 16 do nextRandom() end

local flat = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
local ids, numbers = {}, {}
for i = 1, #flat, 2 do
  ids[#ids + 1] = flat[i]
  numbers[#numbers + 1] = flat[i + 1]
end
for i = #ids, 2, -1 do
  local j = (nextRandom() % i) + 1
  ids[i], ids[j] = ids[j], ids[i]
end
local i = 1
while i <= #ids do
  local args = {}
  local last = math.min(#ids, i + 499)
  for j = i, last do
    args[#args + 1] = numbers[j]
    args[#args + 1] = ids[j]
  end
  redis.call('ZADD', KEYS[3], 'XX', unpack(args))
  i = last + 1
end
redis.call('HSET', KEYS[2], 'status', 'open', 'statusAt', now, 'openedAt', now, 'drawn', #ids)
return { 0, #ids }
