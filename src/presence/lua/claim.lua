-- Claims a spoke name for one connection.
-- KEYS[1]  alkhub:spoke:<name>
-- ARGV[1]  the new holder, JSON {instanceId, connectionId, keyId, since}
-- ARGV[2]  time to live, ms
-- ARGV[3]  "takeover" to take the name from another connection of the same key, else "new"
-- Returns {"ok"} when the name is now ours; {"ok", <previous holder JSON>} after a takeover;
-- {"taken", <holder JSON>} when another connection holds it.
local current = redis.call('GET', KEYS[1])
local claim = cjson.decode(ARGV[1])
if current then
  local holder = cjson.decode(current)
  if holder.connectionId ~= claim.connectionId then
    if ARGV[3] ~= 'takeover' or holder.keyId ~= claim.keyId then
      return {'taken', current}
    end
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return {'ok', current}
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'ok'}
