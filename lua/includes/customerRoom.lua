--[[
  How many more seats a customer (every session of one identity) may hold or buy in the
  event: the per-customer limit less the seats the customer holds (unexpired) or bought
  (score inf) in `customerSeats`, after dropping held entries that ran out. nil when the
  event has no limit.
]]
local function customerRoom(customerSeats, customerLimit, now)
  redis.call('ZREMRANGEBYSCORE', customerSeats, '-inf', now)
  if not customerLimit then return nil end
  return math.max(customerLimit - redis.call('ZCOUNT', customerSeats, '(' .. now, '+inf'), 0)
end
