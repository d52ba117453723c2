--[[
  Extends the scheduling lease while the caller still holds it (compare-and-expire), or
  gives it up at once when the lease is 0 (a clean shutdown hands over without waiting).

  KEYS[1] schedulerLease  string  fencing token of the leader

  ARGV[1] fencing token of the caller
  ARGV[2] lease (ms); 0 = release

  Returns { code }
    1  RENEWED   (or released)
    0  LOST      another instance leads, or the lease ran out
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return { 0 } end
if tonumber(ARGV[2]) == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return { 1 }
