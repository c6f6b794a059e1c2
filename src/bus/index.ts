export { createMemoryBus, type MemoryBusOptions } from "./memory.ts";
export { connectRedisBus, DEFAULT_CONNECT_TIMEOUT_MS, type RedisBusOptions } from "./redis.ts";
export type { RedisOptions } from "./redis-options.ts";
export { describeTarget, reconnectDelayMs, scrubCredentials, toClientOptions } from "./redis-options.ts";
export { type Bus, type BusHandler, instanceChannel, type Unsubscribe } from "./types.ts";
