#!lua flags=allow-key-locking
--[[
  One fan's waiting-list entry, read only: waiting (place and how many wait up to it),
  offered (the claim deadline and the seats held for the fan), or what became of the offer.

  KEYS[1] waitlist       zset    waiting ticketId -> place
  KEYS[2] waitlistAsks   hash    ticketId -> "<place>|<quantity>|<tier>|<contact>"
  KEYS[3] waitlistOffers hash    ticketId -> "offer <deadline> <holdId> <seats>" | "claimed" | "passed"
  KEYS[4] queueState     hash    status

  ARGV[1] ticket id

  Returns { code, place, position, deadline, seats, waiting, ask, status }
      0  WAITING      position = entries waiting up to and including this one
      1  OFFERED      deadline = when the offer passes (ms), seats = "a,b"
      2  CLAIMED      the fan claimed the offer (a session holds the seats)
      3  PASSED       the offer was not claimed in time and moved on
     -1  NOT_ON_LIST  no entry for this ticket
    ask = "<quantity>|<tier>" of the entry; status = the queue status
]]
local tid = ARGV[1]
local status = redis.call('HGET', KEYS[4], 'status') or ''
local waiting = redis.call('ZCARD', KEYS[1])
local ask = redis.call('HGET', KEYS[2], tid)
if not ask then return { -1, 0, 0, 0, '', waiting, '', status } end
local place, quantity, tier = string.match(ask, '^(%d+)|(%d+)|([^|]*)')
local what = quantity .. '|' .. tier
local rank = redis.call('ZRANK', KEYS[1], tid)
if rank then return { 0, tonumber(place), rank + 1, 0, '', waiting, what, status } end
local offer = redis.call('HGET', KEYS[3], tid) or ''
local deadline, seats = string.match(offer, '^offer (%d+) %S+ (%S+)$')
if deadline then return { 1, tonumber(place), 0, tonumber(deadline), seats, waiting, what, status } end
if offer == 'claimed' then return { 2, tonumber(place), 0, 0, '', waiting, what, status } end
return { 3, tonumber(place), 0, 0, '', waiting, what, status }
