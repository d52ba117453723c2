#!lua flags=allow-key-locking
--[[
  Gives an admitted fan who asks for it more time to claim their turn, once per ticket
  (WCAG 2.2.1 Timing Adjustable), from the event's budget of extra time: the check that the
  ticket is admitted and within its deadline, the check that it was not extended before,
  the take from the budget and the move of the deadline are one step, so a crowd asking at
  once never gets more than the budget holds and no ticket gets two.

  KEYS[1] admitted         zset  admitted ticketId -> claim deadline (ms)
  KEYS[2] queueState       hash  status, vouchedRun, ahead; extensionSeconds and takeExtensionMinutes (set by an admin) override ARGV[3..4]; receives extensionUsedSeconds, extensionsGranted
  KEYS[3] claimExtensions  zset  ticketId -> the deadline its one extension gave (ms); entries a day past it are trimmed here

  ARGV[1] ticket id
  ARGV[2] now (ms)
  ARGV[3] default seconds one extension adds, used when queueState has no extensionSeconds
  ARGV[4] default budget (minutes), used when queueState has no takeExtensionMinutes

  Returns { code, detail }
    0  EXTENDED          detail = the new claim deadline (ms)
   -1  OFF               the event gives no extensions (extensionSeconds or the budget is 0)
   -2  ALREADY_EXTENDED  this ticket had its extension; detail = its deadline (ms)
   -3  BUDGET_USED       the event's budget has less than one extension left
   -4  NOT_ADMITTED      the ticket is not admitted: still waiting, claimed, or never admitted
   -5  CLAIM_EXPIRED     admitted, but the claim window already passed
   -6  RESTORING         the line is being restored (includes/lineRestoring.lua)
]]
-- @include lineRestoring
-- @include takeExtension
local DAY_MS = 86400000
local now = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[2], 'status', 'vouchedRun', 'ahead')
if lineRestoring(state[1], state[2], state[3]) then return { -6, 0 } end
local deadline = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not deadline then return { -4, 0 } end
if tonumber(deadline) < now then return { -5, 0 } end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (now - DAY_MS))
local before = redis.call('ZSCORE', KEYS[3], ARGV[1])
if before then return { -2, tonumber(before) } end
local code, addMs = takeExtension(KEYS[2], ARGV[3], ARGV[4])
if code ~= 0 then return { code, 0 } end
local extended = tonumber(deadline) + addMs
redis.call('ZADD', KEYS[1], 'XX', extended, ARGV[1])
redis.call('ZADD', KEYS[3], extended, ARGV[1])
return { 0, extended }
