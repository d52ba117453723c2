--[[
  Redeems an access code for one new place in line, atomically: of any number of fans
  racing with one code, exactly as many as it has uses left get it. The origin records
  each redemption in MySQL before the fan is placed (the record that survives Redis); this
  script is the gate that lets only that many through to it. A ticket redeems once: asking
  again with the same ticket id answers the first redemption and takes no second use.

  A code missing from Redis is unknown only while the origin has published the event's
  codes (KEYS[3]); without that marker (Redis lost them, or they were never written) the
  edge asks the origin, which checks MySQL and writes them back.

  KEYS[1] accessCode            hash    id, uses, used, tier, from, until (ms, 0 = none)
  KEYS[2] accessCodeTickets     hash    ticket id -> code id
  KEYS[3] accessCodesPublished  string  when the origin last wrote every code from MySQL

  ARGV[1] now (ms)
  ARGV[2] ticket id the place will be given to

  Returns { code, codeId, tier }
    0  REDEEMED     one use taken for this ticket
    1  ALREADY      this ticket already redeemed this code (no second use)
   -1  UNKNOWN      no such code (the codes are published)
   -2  USED_UP      every use is taken
   -3  NOT_YET      before the code's window
   -4  EXPIRED      after the code's window
   -5  UNPUBLISHED  the code is not in Redis and the marker is missing: ask the origin
]]
local now = tonumber(ARGV[1])
local tid = ARGV[2]
local code = redis.call('HMGET', KEYS[1], 'id', 'uses', 'used', 'tier', 'from', 'until')
local id = code[1]
if not id then
  if redis.call('EXISTS', KEYS[3]) == 1 then return { -1, '', '' } end
  return { -5, '', '' }
end
local tier = code[4] or ''
if redis.call('HGET', KEYS[2], tid) == id then return { 1, id, tier } end
local from, untilMs = tonumber(code[5] or '0'), tonumber(code[6] or '0')
if from > 0 and now < from then return { -3, id, tier } end
if untilMs > 0 and now >= untilMs then return { -4, id, tier } end
if tonumber(code[3] or '0') >= tonumber(code[2] or '0') then return { -2, id, tier } end
redis.call('HINCRBY', KEYS[1], 'used', 1)
redis.call('HSET', KEYS[2], tid, id)
return { 0, id, tier }
