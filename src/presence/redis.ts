import { createClient } from "@redis/client";
import { describeTarget, type RedisOptions, reconnectDelayMs, toClientOptions } from "../bus/index.ts";
import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import claimScript from "./lua/claim.lua" with { type: "text" };
import refreshScript from "./lua/refresh.lua" with { type: "text" };
import releaseScript from "./lua/release.lua" with { type: "text" };
import { type ClaimResult, type Presence, type PresenceEntry, presenceKey } from "./types.ts";

/**
 * Presence in Redis: one key per spoke name with a time to live, changed only through the Lua scripts in
 * `lua/` so that a claim, a refresh or a release is atomic. Its own connection (the bus's subscriber cannot run
 * commands); commands fail at once while Redis is down rather than queue.
 */
export async function connectRedisPresence(opts: {
  redis: RedisOptions;
  log: Logger;
  connectTimeoutMs: number;
}): Promise<Presence> {
  const base = toClientOptions(opts.redis);
  const client = createClient({
    ...base,
    name: "alkhub-presence",
    disableOfflineQueue: true,
    socket: { ...base.socket, connectTimeout: opts.connectTimeoutMs, reconnectStrategy: reconnectDelayMs },
  });
  let warned = false;
  client.on("error", (error: Error) => {
    if (warned) return;
    warned = true;
    opts.log.warn("presence connection to Redis lost; reconnecting", {
      redis: describeTarget(opts.redis),
      error: error.message,
    });
  });
  client.on("ready", () => {
    warned = false;
  });
  try {
    await client.connect();
  } catch (error) {
    await client.destroy();
    throw new UnavailableError(`Redis at ${describeTarget(opts.redis)} is unavailable for presence`, {
      cause: error,
    });
  }
  const parse = (text: unknown): PresenceEntry | undefined =>
    typeof text === "string" ? (JSON.parse(text) as PresenceEntry) : undefined;
  return {
    async claim(name, entry, ttlMs, takeover): Promise<ClaimResult> {
      const reply = (await client.eval(claimScript, {
        keys: [presenceKey(name)],
        arguments: [JSON.stringify(entry), String(ttlMs), takeover ? "takeover" : "new"],
      })) as [string, string?];
      if (reply[0] === "taken") return { ok: false, holder: parse(reply[1])! };
      const previous = parse(reply[1]);
      return previous ? { ok: true, previous } : { ok: true };
    },
    async refresh(held, ttlMs) {
      if (held.length === 0) return [];
      const reply = (await client.eval(refreshScript, {
        keys: held.map(({ name }) => presenceKey(name)),
        arguments: [String(ttlMs), ...held.map(({ entry }) => JSON.stringify(entry))],
      })) as number[];
      return held.filter((_, i) => reply[i] === 0).map(({ name }) => name);
    },
    async release(name, connectionId) {
      await client.eval(releaseScript, { keys: [presenceKey(name)], arguments: [connectionId] });
    },
    async lookup(names) {
      if (names.length === 0) return [];
      const values = await client.mGet(names.map(presenceKey));
      return values.map((value) => parse(value ?? undefined));
    },
    async close() {
      await client.close().catch(() => client.destroy());
    },
  };
}
