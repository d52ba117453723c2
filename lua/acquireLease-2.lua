--[[
  Takes the scheduling lease of one event, or keeps it. A new leader gets a new epoch, so
  its fencing token (`<instance>:<epoch>`) differs from every earlier leader's, even one
  of the same instance: scripts that admit fans check the token before they write.

  KEYS[1] schedulerLease  string  fencing token of the leader, PX = lease
  KEYS[2] schedulerEpoch  string  lease epoch (INCR per new leader)

  ARGV[1] instance id (no ':')
  ARGV[2] lease (ms)

  Returns { code, token }
    1  LEADER      token = this instance's fencing token (lease renewed)
    0  FOLLOWER    token = the current leader's token
]]
local current = redis.call('GET', KEYS[1])
if current then
  if string.sub(current, 1, #ARGV[1] + 1) == ARGV[1] .. ':' then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return { 1, current }
  end
  return { 0, current }
end
local token = ARGV[1] .. ':' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return { 1, token }
