-- Releases a spoke name if the given connection still holds it.
-- KEYS[1]  alkhub:spoke:<name>
-- ARGV[1]  connection id
-- Returns 1 when released, 0 when another connection holds it (or nobody does).
local current = redis.call('GET', KEYS[1])
if current and cjson.decode(current).connectionId == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
