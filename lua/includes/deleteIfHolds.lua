--[[
  Compare-and-delete: deletes `key` only while it still holds `value` (a seat key still
  holding this hold id), so a seat that expired and was taken by someone else is left
  alone. Answers 1 when it deleted the key, else 0.
]]
local function deleteIfHolds(key, value)
  if redis.call('GET', key) == value then
    redis.call('DEL', key)
    return 1
  end
  return 0
end
