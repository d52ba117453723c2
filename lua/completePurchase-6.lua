--[[
  Records in Redis a purchase that MySQL has committed: the seats join `sold`, the hold is
  dropped (seat keys only while they still hold this hold id), the buyer's session is
  revoked, the seats stay counted for the customer for good (score inf in their index,
  which then never expires) and the purchase's outcome is written to its idempotency record (so a replay of
  the Idempotency-Key returns it). Safe to run again (the purchase flow retries it until
  Redis answers).

  KEYS[1] sold          set     sold seat ids
  KEYS[2] hold          hash    sid, seats, expiresAt, purchase
  KEYS[3] sessionSeats  zset    seatId -> hold expiry (ms) of the buyer's session
  KEYS[4] active        zset    sessionId -> session expiry (ms)
  KEYS[5] idempotency   string  the purchase's idempotency record (JSON)
  KEYS[6] customerSeats zset    seatId -> hold expiry (ms), or inf once sold, of the buyer's customer
  KEYS[7..] seat keys, in the order of the seat ids in ARGV[5..]

  ARGV[1] hold id
  ARGV[2] session id of the buyer
  ARGV[3] outcome record (JSON) for the idempotency key
  ARGV[4] record expiry (ms)
  ARGV[5..] seat ids

  Returns { code, released }
    0  OK                    released = number of seat keys deleted
]]
-- @include deleteIfHolds
local released = 0
for i = 7, #KEYS do
  local seat = ARGV[i - 2]
  redis.call('SADD', KEYS[1], seat)
  released = released + deleteIfHolds(KEYS[i], ARGV[1])
  redis.call('ZREM', KEYS[3], seat)
  redis.call('ZADD', KEYS[6], '+inf', seat)
end
redis.call('PERSIST', KEYS[6])
if redis.call('HGET', KEYS[2], 'sid') == ARGV[2] then redis.call('DEL', KEYS[2]) end
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('SET', KEYS[5], ARGV[3], 'PX', ARGV[4])
return { 0, released }
