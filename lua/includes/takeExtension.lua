--[[
  The event's budget of extra time (extendClaim, extendHold): how much one extension adds
  (queueState extensionSeconds, else the caller's default) and how many seconds the event
  grants over all fans (extensionBudgetMinutes x 60, else the caller's default), less what
  it granted so far (extensionUsedSeconds). takeExtension takes one extension from it, or
  answers why not: -1 OFF (no extensions), -3 BUDGET_USED (less than one left). It returns
  the code and the milliseconds granted.
]]
local function takeExtension(queueState, defaultSeconds, defaultMinutes)
  local s = redis.call('HMGET', queueState, 'extensionSeconds', 'extensionBudgetMinutes', 'extensionUsedSeconds')
  local seconds = tonumber(s[1] or '') or tonumber(defaultSeconds)
  local minutes = tonumber(s[2] or '') or tonumber(defaultMinutes)
  local used = tonumber(s[3] or '0') or 0
  if seconds <= 0 or minutes <= 0 then return -1, 0 end
  if used + seconds > minutes * 60 then return -3, 0 end
  redis.call('HINCRBY', queueState, 'extensionUsedSeconds', seconds)
  redis.call('HINCRBY', queueState, 'extensionsGranted', 1)
  return 0, seconds * 1000
end
