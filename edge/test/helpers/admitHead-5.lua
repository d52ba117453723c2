--[[
  Admits the next fans in line: what the admission scheduler does, in one script.
  Walks the queue from the serving pointer in arrival order; a ticket whose fan left
  (not seen within the grace period) is dropped and recorded as gone, never admitted.

  KEYS[1] queue     zset    waiting ticketId -> queue number
  KEYS[2] seen      zset    waiting ticketId -> last seen (ms)
  KEYS[3] admitted  zset    admitted ticketId -> claim deadline (ms)
  KEYS[4] serving   string  serving pointer
  KEYS[5] gone      zset    queue numbers of tickets that left

  ARGV[1] how many fans to admit
  ARGV[2] now (ms)
  ARGV[3] presence grace (ms)
  ARGV[4] claim deadline (ms)

  Returns the number of fans admitted.
]]
local serving = tonumber(redis.call('GET', KEYS[4]) or '0')
local want = tonumber(ARGV[1])
local freshSince = tonumber(ARGV[2]) - tonumber(ARGV[3])
local admitted = 0
while admitted < want do
  local head = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. serving, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #head == 0 then break end
  local tid, number = head[1], tonumber(head[2])
  local seen = tonumber(redis.call('ZSCORE', KEYS[2], tid) or '0')
  redis.call('ZREM', KEYS[1], tid)
  redis.call('ZREM', KEYS[2], tid)
  if seen >= freshSince then
    redis.call('ZADD', KEYS[3], ARGV[4], tid)
    admitted = admitted + 1
  end
  serving = number
end
redis.call('SET', KEYS[4], serving)
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', serving)
return admitted
