--[[
  Moves an event's waiting room to another status, only from the statuses listed: an
  admin's pause, resume or close. The scheduler's admit script reads the status in the
  same step as it admits, so a pause stops admissions from the next tick on.

  KEYS[1] queueState  hash  status (prequeue | open | paused | soldout | closed), settings

  ARGV[1] new status
  ARGV[2] now (ms), recorded as `statusAt`
  ARGV[3..] statuses it may move from

  Returns { code, status }
    0  CHANGED        status = the previous status
    1  UNCHANGED      already in the new status
   -1  NO_QUEUE       the event has no waiting room
   -2  NOT_ALLOWED    status = the current status, which may not move to the new one
]]
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return { -1, '' } end
if current == ARGV[1] then return { 1, current } end
for i = 3, #ARGV do
  if ARGV[i] == current then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'statusAt', ARGV[2])
    return { 0, current }
  end
end
return { -2, current }
