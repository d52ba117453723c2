--[[
  Gives back the use a ticket took of an access code when the place it was for was not
  given after all (the join was refused, or the origin could not record the redemption).
  Only the ticket's own redemption is undone, once.

  KEYS[1] accessCode         hash  id, uses, used, ...
  KEYS[2] accessCodeTickets  hash  ticket id -> code id

  ARGV[1] ticket id

  Returns { code }
    0  RELEASED   the use is given back
    1  NOT_HELD   the ticket holds no redemption of this code
]]
local id = redis.call('HGET', KEYS[1], 'id')
if not id or redis.call('HGET', KEYS[2], ARGV[1]) ~= id then return { 1 } end
redis.call('HDEL', KEYS[2], ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'used') or '0') > 0 then redis.call('HINCRBY', KEYS[1], 'used', -1) end
return { 0 }
