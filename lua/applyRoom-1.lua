--[[
  Writes a waiting room's definition from MySQL into its queue-state hash: an admin's
  change (after it is in MySQL), or the leader catching Redis up when an earlier write
  did not arrive. Only a newer version is written, so two changes that reach Redis out
  of order end with the later one. A hash without a status is a lost line: the restore
  rebuilds it whole (restoreLine-10.lua), so nothing is written here.

  KEYS[1] queueState  hash  status, settings, roomVersion (the MySQL version it holds)

  ARGV[1] version of the definition (MySQL waiting_rooms.version)
  ARGV[2] n: number of fields to set
  ARGV[3 .. 2+2n] field, value pairs
  ARGV[3+2n ..] fields to remove (settings returned to their defaults)

  Returns { code }
    0  APPLIED    written
    1  STALE      the hash already holds this version or a newer one; nothing written
   -1  NO_QUEUE   the hash has no status (lost): nothing written
]]
if not redis.call('HGET', KEYS[1], 'status') then return { -1 } end
local version = tonumber(ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'roomVersion') or '0') >= version then return { 1 } end
local n = tonumber(ARGV[2])
for i = 0, n - 1 do
  redis.call('HSET', KEYS[1], ARGV[3 + 2 * i], ARGV[4 + 2 * i])
end
for i = 3 + 2 * n, #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
end
redis.call('HSET', KEYS[1], 'roomVersion', version)
return { 0 }
