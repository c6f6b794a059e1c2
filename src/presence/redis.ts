import { createClient } from "@redis/client";
import {
  describeTarget,
  instanceChannel,
  type RedisOptions,
  reconnectDelayMs,
  toClientOptions,
} from "../bus/index.ts";
import { withDeadline } from "../deadline.ts";
import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import claimScript from "./lua/claim.lua" with { type: "text" };
import refreshScript from "./lua/refresh.lua" with { type: "text" };
import releaseScript from "./lua/release.lua" with { type: "text" };
import {
  type ClaimResult,
  DEFAULT_INSTANCE_TTL_MS,
  DEFAULT_PRESENCE_COMMAND_TIMEOUT_MS,
  INSTANCE_KEY_PREFIX,
  type Presence,
  type PresenceEntry,
  presenceKey,
} from "./types.ts";

/** The bus channel of an instance without its id: the bus subscribes to it for as long as the instance runs. */
const INSTANCE_CHANNEL_PREFIX = instanceChannel("");

/** What `connectRedisPresence` needs. */
export interface RedisPresenceOptions {
  redis: RedisOptions;
  log: Logger;
  connectTimeoutMs: number;
  /** This instance: its liveness mark is `alkhub:alive:<instanceId>`. */
  instanceId: string;
  /** Life of the liveness mark, renewed every quarter of it. Default {@link DEFAULT_INSTANCE_TTL_MS}. */
  instanceTtlMs?: number;
  /** Bound on each command. Default {@link DEFAULT_PRESENCE_COMMAND_TIMEOUT_MS}. */
  commandTimeoutMs?: number;
}

/**
 * Presence in Redis: one key per spoke name with a time to live, changed only through the Lua scripts in
 * `lua/` so that a claim, a refresh or a release is atomic, and one liveness mark per instance that the claim
 * script consults together with the subscriber count of the instance's bus channel. Its own connection (the bus's subscriber cannot run commands); commands fail at once while
 * Redis is down rather than queue, and fail after `commandTimeoutMs` when Redis is frozen.
 */
export async function connectRedisPresence(opts: RedisPresenceOptions): Promise<Presence> {
  const base = toClientOptions(opts.redis);
  const client = createClient({
    ...base,
    name: "alkhub-presence",
    disableOfflineQueue: true,
    socket: { ...base.socket, connectTimeout: opts.connectTimeoutMs, reconnectStrategy: reconnectDelayMs },
  });
  const instanceTtlMs = opts.instanceTtlMs ?? DEFAULT_INSTANCE_TTL_MS;
  const commandTimeoutMs = opts.commandTimeoutMs ?? DEFAULT_PRESENCE_COMMAND_TIMEOUT_MS;
  const instanceKey = `${INSTANCE_KEY_PREFIX}${opts.instanceId}`;
  const bounded = <T>(work: Promise<T>, what: string) =>
    withDeadline(work, commandTimeoutMs, `Redis (presence ${what})`);
  // Renews the liveness mark; a beat that fails is retried by the next one, and a mark that lapsed during an
  // outage is set again on reconnect, before any other instance can mistake this one for dead for long.
  const beat = () =>
    bounded(client.set(instanceKey, String(Date.now()), { PX: instanceTtlMs }), "beat").catch(() => {});
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
    void beat();
  });
  try {
    await client.connect();
    await bounded(client.set(instanceKey, String(Date.now()), { PX: instanceTtlMs }), "beat");
  } catch (error) {
    await client.destroy();
    throw new UnavailableError(`Redis at ${describeTarget(opts.redis)} is unavailable for presence`, {
      cause: error,
    });
  }
  const beating = setInterval(beat, Math.max(50, Math.floor(instanceTtlMs / 4)));
  const parse = (text: unknown): PresenceEntry | undefined =>
    typeof text === "string" ? (JSON.parse(text) as PresenceEntry) : undefined;
  return {
    async claim(name, entry, ttlMs, takeover): Promise<ClaimResult> {
      const reply = (await bounded(
        client.eval(claimScript, {
          keys: [presenceKey(name)],
          arguments: [
            JSON.stringify(entry),
            String(ttlMs),
            takeover ? "takeover" : "new",
            INSTANCE_KEY_PREFIX,
            INSTANCE_CHANNEL_PREFIX,
          ],
        }),
        "claim",
      )) as [string, string?];
      if (reply[0] === "taken") return { ok: false, holder: parse(reply[1])! };
      const previous = parse(reply[1]);
      if (!previous) return { ok: true };
      return reply[0] === "orphan" ? { ok: true, previous, orphaned: true } : { ok: true, previous };
    },
    async refresh(held, ttlMs) {
      if (held.length === 0) return [];
      const reply = (await bounded(
        client.eval(refreshScript, {
          keys: held.map(({ name }) => presenceKey(name)),
          arguments: [String(ttlMs), ...held.map(({ entry }) => JSON.stringify(entry))],
        }),
        "refresh",
      )) as number[];
      return held.filter((_, i) => reply[i] === 0).map(({ name }) => name);
    },
    async release(name, connectionId) {
      await bounded(
        client.eval(releaseScript, { keys: [presenceKey(name)], arguments: [connectionId] }),
        "release",
      );
    },
    async lookup(names) {
      if (names.length === 0) return [];
      const values = await bounded(client.mGet(names.map(presenceKey)), "lookup");
      return values.map((value) => parse(value ?? undefined));
    },
    async close() {
      clearInterval(beating);
      // A clean stop frees this instance's names for the others at once (a kill frees them within the mark's life).
      await bounded(client.del(instanceKey), "close").catch(() => {});
      await client.close().catch(() => client.destroy());
    },
  };
}
