--[[
  The scheduling leader checked this Redis against MySQL (or rebuilt the line from it):
  it vouches for this server run by naming it in the queue state's `vouchedRun`, so the
  edge trusts the line again after a Redis restart (lineRestoring.lua).
]]
-- @include serverRunId
local function vouchRun(queueState)
  local run = serverRunId()
  if run then redis.call('HSET', queueState, 'vouchedRun', run) end
end
