#!lua flags=allow-key-locking
--[[
  Puts a fan on the waiting list of a sale that sold out or whose line stopped (honestStop
  set): the next place, taken from the list's own counter, so fans racing to join get
  distinct places in the order their calls ran. One entry per ticket: a ticket already on
  the list gets its own entry back, whatever became of it. No entry is taken while the line
  or the list is being restored (the leader has not checked this Redis run against MySQL's
  entries yet: `waitlistRun`), so a place MySQL knows is never handed out twice.

  KEYS[1] queueState     hash    status, vouchedRun, ahead, honestStop, waitlistRun
  KEYS[2] waitlist       zset    waiting ticketId -> place
  KEYS[3] waitlistSeq    string  place counter
  KEYS[4] waitlistAsks   hash    ticketId -> "<place>|<quantity>|<tier>|<contact>"
  KEYS[5] config         hash    perOrderLimit (absent: not checked)

  ARGV[1] ticket id
  ARGV[2] quantity (a whole number, 1 or more)
  ARGV[3] tier ("" = any)
  ARGV[4] contact ("" = none)

  Returns { code, place, position }
      0  JOINED       a new entry at `place`; position = entries waiting up to and including it
      1  ALREADY      the ticket has an entry: its place (position 0 when it no longer waits)
     -1  NOT_OPEN     the sale is neither sold out nor stopped: the waiting list is not open
     -2  SALE_ENDED   the sale is closed
     -3  TOO_MANY     more seats than one order may have; place = the per-order limit
     -5  RESTORING    the line or the waiting list is being restored: nobody is placed
]]
-- @include lineRestoring
-- @include serverRunId
local state = redis.call('HMGET', KEYS[1], 'status', 'vouchedRun', 'ahead', 'honestStop', 'waitlistRun')
local status = state[1]
if lineRestoring(status, state[2], state[3]) then return { -5, 0, 0 } end
local run = serverRunId()
if run and state[5] ~= run then return { -5, 0, 0 } end
local tid = ARGV[1]
local ask = redis.call('HGET', KEYS[4], tid)
if ask then
  local place = tonumber(string.match(ask, '^(%d+)'))
  local rank = redis.call('ZRANK', KEYS[2], tid)
  return { 1, place, rank and rank + 1 or 0 }
end
if status == 'closed' then return { -2, 0, 0 } end
if status ~= 'soldout' and not (state[4] and state[4] ~= '') then return { -1, 0, 0 } end
local quantity = tonumber(ARGV[2])
local limit = tonumber(redis.call('HGET', KEYS[5], 'perOrderLimit') or '')
if limit and quantity > limit then return { -3, limit, 0 } end
local place = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], place, tid)
redis.call('HSET', KEYS[4], tid, place .. '|' .. quantity .. '|' .. ARGV[3] .. '|' .. ARGV[4])
return { 0, place, redis.call('ZRANK', KEYS[2], tid) + 1 }
