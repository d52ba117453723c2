--[[
  The run id of this Redis server (a new one on every restart), or nil on a server that
  does not tell scripts (INFO refused, as on some hosted Redis).
]]
local function serverRunId()
  local info = redis.pcall('INFO', 'server')
  if type(info) ~= 'string' then return nil end
  return string.match(info, 'run_id:(%w+)')
end
