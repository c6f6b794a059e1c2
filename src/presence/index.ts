export { createMemoryPresence } from "./memory.ts";
export { connectRedisPresence } from "./redis.ts";
export { type ClaimResult, type Presence, type PresenceEntry, presenceKey } from "./types.ts";
