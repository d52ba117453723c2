--[[
  Writes one access code from MySQL into Redis (the origin: after an organiser creates or
  revokes it, after a restore, and when the edge finds the codes unpublished). `used`
  never goes down here: Redis may hold redemptions the origin is still recording, and
  MySQL's count only raises it.

  KEYS[1] accessCode  hash  id, uses, used, tier, from, until

  ARGV[1] 1 = write the code, 0 = remove it (revoked)
  ARGV[2] id
  ARGV[3] uses
  ARGV[4] used (MySQL's count)
  ARGV[5] tier, or ""
  ARGV[6] from (ms, 0 = none)
  ARGV[7] until (ms, 0 = none)

  Returns { code, used }
    0  WRITTEN   the code as Redis now holds it; used = its count there
    1  REMOVED   the code is gone from Redis
]]
if ARGV[1] == '0' then
  redis.call('DEL', KEYS[1])
  return { 1, 0 }
end
local used = math.max(tonumber(redis.call('HGET', KEYS[1], 'used') or '0'), tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'uses', ARGV[3], 'used', used, 'tier', ARGV[5], 'from', ARGV[6], 'until', ARGV[7])
return { 0, used }
