export { createMemoryPresence } from "./memory.ts";
export { connectRedisPresence, type RedisPresenceOptions } from "./redis.ts";
export {
  type ClaimResult,
  DEFAULT_INSTANCE_TTL_MS,
  DEFAULT_PRESENCE_COMMAND_TIMEOUT_MS,
  INSTANCE_KEY_PREFIX,
  type Presence,
  type PresenceEntry,
  presenceKey,
} from "./types.ts";
