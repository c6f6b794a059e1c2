-- Claims a spoke name for one connection.
-- KEYS[1]  alkhub:spoke:<name>
-- ARGV[1]  the new holder, JSON {instanceId, connectionId, keyId, since}
-- ARGV[2]  time to live, ms
-- ARGV[3]  "takeover" to take the name from another connection of the same key, else "new"
-- ARGV[4]  prefix of instance liveness keys ("alkhub:alive:")
-- ARGV[5]  prefix of instance channels ("alkhub:instance:")
-- The holder's instance is alive while its liveness key <ARGV[4]><instanceId> exists (each instance renews its
-- own, see redis.ts) and something is subscribed to its channel <ARGV[5]><instanceId>: a killed process's
-- subscriber connection is gone at once, its liveness key within that key's life.
-- Returns {"ok"} when the name is now ours; {"ok", <previous holder JSON>} after a takeover;
-- {"orphan", <previous holder JSON>} when the holder's instance is dead (killed, or this instance's previous
-- life) and the name was taken from it; {"taken", <holder JSON>} when another live connection holds it.
-- The liveness key is read by name, not declared in KEYS: presence runs on a single Redis, never a cluster.
local current = redis.call('GET', KEYS[1])
local claim = cjson.decode(ARGV[1])
if current then
  local holder = cjson.decode(current)
  if holder.connectionId ~= claim.connectionId then
    local dead = holder.instanceId ~= claim.instanceId and (
      redis.call('EXISTS', ARGV[4] .. holder.instanceId) == 0 or
      redis.call('PUBSUB', 'NUMSUB', ARGV[5] .. holder.instanceId)[2] == 0)
    if dead then
      redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
      return {'orphan', current}
    end
    if ARGV[3] ~= 'takeover' or holder.keyId ~= claim.keyId then
      return {'taken', current}
    end
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return {'ok', current}
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'ok'}
