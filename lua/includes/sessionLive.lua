--[[
  Whether a session is live: it is in `active` (sessionId -> session expiry, ms) and its
  expiry is still ahead of `now`. The seat scripts act only for a live session.
]]
local function sessionLive(active, sessionId, now)
  local expiry = redis.call('ZSCORE', active, sessionId)
  return expiry and tonumber(expiry) > now
end
