--[[
  Takes the mails waiting for the tickets just admitted, once: what it answers is deleted
  in the same step, so one admission sends at most one mail, whichever instance asks.

  KEYS[1] turnMail  hash  ticketId -> the mail to send (JSON: to, link, lang)

  ARGV[1] ... ARGV[n] ticket ids (admitted in one tick)

  Returns { ticketId, mail, ticketId, mail, ... } for the tickets that had one (no code)
]]
local found = redis.call('HMGET', KEYS[1], unpack(ARGV))
local out = {}
for i, mail in ipairs(found) do
  if mail then
    out[#out + 1] = ARGV[i]
    out[#out + 1] = mail
    redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return out
