#!lua flags=allow-key-locking
--[[
  Keeps the address a waiting fan left for the turn email, with the place, so the leader
  finds it when it admits the ticket. Only a waiting ticket may leave one; a second call
  replaces the first. The whole hash lives as long as the newest ticket can (ARGV[3]), so
  an address never outlives the line it was left in.

  KEYS[1] queue     zset  waiting ticketId -> queue number
  KEYS[2] turnMail  hash  ticketId -> the mail to send (JSON: to, link, lang)

  ARGV[1] ticket id
  ARGV[2] the mail to send (JSON)
  ARGV[3] how long the hash is kept after this write (ms)

  Returns { code }
    0  SAVED        the address waits with the place
   -1  NOT_WAITING  the ticket is not waiting (admitted, gone, or never placed): nothing kept
]]
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return { -1 } end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return { 0 }
