#!lua flags=allow-key-locking
--[[
  Moves a waiting fan's place to another device (the resume link): the place's number
  passes from the old ticket id to a fresh one, which only the device that opened the
  link holds, and the old ticket id is recorded in `moved`, so its device is told (its
  stream by the next shared read, any later call by touchTicket) and can no longer be
  admitted or claim. The latest device to open the link holds the place. The new ticket
  counts as seen now (it was just opened). Only a waiting place moves: an admitted fan
  claims on the device that has the turn.

  A place proved with an identity (docs/IDENTITY.md) keeps it: the edge passes the
  customer (the identity's hash, from the signed link), and the identity's entry in
  `identities` that names the old ticket id names the new one, so one identity still holds
  one place (IDENTITY_IN_LINE) after the move. The identity's kind is not in the link:
  both `email:` and `passkey:` are looked at, and only the entry naming the old ticket moves.

  KEYS[1] queue       zset    waiting ticketId -> queue number
  KEYS[2] seen        zset    waiting ticketId -> last seen (ms)
  KEYS[3] admitted    zset    admitted ticketId -> claim deadline (ms)
  KEYS[4] queueState  hash    status, vouchedRun, ahead
  KEYS[5] moved       zset    old ticketId -> when its place moved to another device (ms)
  KEYS[6] identities  hash    identity -> ticket id of the place it holds

  ARGV[1] the ticket id the link names (the place's current holder)
  ARGV[2] the new ticket id
  ARGV[3] now (ms)
  ARGV[4] how long a move is remembered (ms): older entries of `moved` are trimmed
  ARGV[5] the customer the place was proved as (an identity's hash), or ""

  Returns { code, value }
    1  MOVED       value = the place's queue number, now held by the new ticket id
    2  ADMITTED    the fan's turn came: value = claim deadline (ms); nothing moved
    3  RESTORING   the line is being restored: nothing moved
    4  ALREADY     the place moved from this ticket already (an older link): value = when (ms)
    0  NOT_WAITING the ticket is not in line (left, claimed, or its claim window passed)
]]
-- @include lineRestoring
local state = redis.call('HMGET', KEYS[4], 'status', 'vouchedRun', 'ahead')
if lineRestoring(state[1], state[2], state[3]) then return { 3, 0 } end
local now = tonumber(ARGV[3])
local number = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not number then
  local deadline = redis.call('ZSCORE', KEYS[3], ARGV[1])
  if deadline and tonumber(deadline) > now then return { 2, tonumber(deadline) } end
  local movedAt = redis.call('ZSCORE', KEYS[5], ARGV[1])
  if movedAt then return { 4, tonumber(movedAt) } end
  return { 0, 0 }
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], number, ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('ZADD', KEYS[5], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. (now - tonumber(ARGV[4])))
if ARGV[5] ~= '' then
  for _, kind in ipairs({ 'email:', 'passkey:' }) do
    if redis.call('HGET', KEYS[6], kind .. ARGV[5]) == ARGV[1] then redis.call('HSET', KEYS[6], kind .. ARGV[5], ARGV[2]) end
  end
end
return { 1, tonumber(number) }
