--[[
  Whether an event's line is being restored, so no answer may be drawn from it:
  - it has no status: Redis lost the line and the scheduling leader has not rebuilt it;
  - a fan's ticket showed a number beyond the counter (`ahead`): Redis went back in time
    (an older copy) and the leader has not restored it from MySQL yet;
  - Redis restarted since the leader last checked the line against MySQL: `vouchedRun`
    (the server run id the leader saw) is not this server's run id. A server that does not
    tell scripts its run id (INFO refused) is judged by the first two only.
]]
-- @include serverRunId
local function lineRestoring(status, vouchedRun, ahead)
  if not status then return true end
  if ahead and ahead ~= '' then return true end
  if vouchedRun and vouchedRun ~= '' then
    local run = serverRunId()
    if run and run ~= vouchedRun then return true end
  end
  return false
end
