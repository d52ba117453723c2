--[[
  Numbers at or below the serving pointer that wait again (fans put back after a restore
  who came back once the pointer had passed them), ascending, at most `limit`.
]]
local function earlyNumbers(queue, serving, limit)
  local early = {}
  local below = redis.call('ZRANGEBYSCORE', queue, '-inf', serving, 'WITHSCORES', 'LIMIT', 0, limit)
  for j = 2, #below, 2 do early[#early + 1] = tonumber(below[j]) end
  return early
end
