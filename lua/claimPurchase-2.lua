--[[
  Claims a purchase's Idempotency-Key and reads the hold it names, in one call: the key is
  set to the pending record only if it is absent (SET NX GET, with its expiry in the same
  step), and whatever record was already there is returned instead. The hold's fields are
  returned either way: a new claim needs the owner and seats to begin the purchase, and a
  pending record needs the hold's expiry to tell a purchase still running from one whose
  process died.

  KEYS[1] idempotency   string  the purchase's idempotency record (JSON)
  KEYS[2] hold          hash    sid, seats, expiresAt, purchase

  ARGV[1] pending record (JSON)
  ARGV[2] record expiry (ms)

  Returns { previous, sid, seats, expiresAt }
    previous   the record already under the key (nil: claimed by this call)
    sid, seats, expiresAt   the hold's fields (nil when the hold is gone)
]]
local previous = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX', 'GET')
local hold = redis.call('HMGET', KEYS[2], 'sid', 'seats', 'expiresAt')
return { previous, hold[1], hold[2], hold[3] }
