-- Extends the time to live of names held by this instance's connections, re-creating entries that expired
-- (after a Redis restart, say) unless another connection claimed the name meanwhile.
-- KEYS[i]  alkhub:spoke:<name>
-- ARGV[1]  time to live, ms
-- ARGV[i+1] the holder JSON for KEYS[i]
-- Returns one integer per key: 1 still ours, 0 lost to another connection.
local result = {}
for i, key in ipairs(KEYS) do
  local value = ARGV[i + 1]
  local current = redis.call('GET', key)
  if current and cjson.decode(current).connectionId ~= cjson.decode(value).connectionId then
    result[i] = 0
  else
    redis.call('SET', key, value, 'PX', ARGV[1])
    result[i] = 1
  end
end
return result
