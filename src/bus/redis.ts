/**
 * The Redis bus, for running many hub instances (ARCHITECTURE.md › Many instances): a publisher connection and a
 * dedicated subscriber connection (a subscribed Redis connection can do nothing else), node-redis 6 underneath.
 */
import { createClient } from "@redis/client";
import { withDeadline } from "../deadline.ts";
import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { HealthListeners } from "./handlers.ts";
import { InstanceOutbox, isBatch, splitBatch } from "./instance-batches.ts";
import {
  describeTarget,
  type RedisOptions,
  reconnectDelayMs,
  scrubCredentials,
  toClientOptions,
} from "./redis-options.ts";
import { type RedisClient, RedisSubscriptions } from "./redis-subscriptions.ts";
import { type Bus, type BusHandler, instanceChannel, type Unsubscribe } from "./types.ts";

/** How long {@link connectRedisBus} waits for both connections before it gives up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
/** How long `close()` lets a connection finish its pending commands before it is cut. */
const CLOSE_GRACE_MS = 1000;
/** How often the publisher connection is asked PING, in milliseconds. */
export const PROBE_INTERVAL_MS = 500;
/**
 * How long a PING may take before Redis counts as not answering, in milliseconds. A frozen Redis keeps its
 * connections open, so the connection state alone would call it healthy (issue: a SIGSTOPped Redis read as ok).
 */
export const PROBE_TIMEOUT_MS = 1000;
/** Replies with which Redis refuses a connection's credentials. */
const AUTH_FAILURE = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

/** Options of {@link connectRedisBus}. */
export interface RedisBusOptions {
  redis: RedisOptions;
  /** This instance's id; default a random UUID. */
  instanceId?: string;
  log: Logger;
  /** Give up connecting after this long; default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
}

/**
 * Connects both Redis connections and resolves once they are ready. Rejects with UnavailableError naming
 * `host:port` (never credentials) when that does not happen within `connectTimeoutMs`, leaving no client or
 * timer behind. Once connected, the bus reconnects by itself (jittered backoff, at most ~2 s apart), restores
 * its subscriptions, and reports the outage through `healthy` / `onHealthChange`; publishing meanwhile rejects.
 */
export async function connectRedisBus(opts: RedisBusOptions): Promise<Bus> {
  const instanceId = opts.instanceId ?? crypto.randomUUID();
  const target = describeTarget(opts.redis);
  const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const phase = { connecting: true };
  const base = toClientOptions(opts.redis);
  const name = `alkhub-bus-${instanceId.replace(/[^\w.:-]/g, "_")}`;
  const pub = createClient({
    ...base,
    name: `${name}-pub`,
    // Fail fast: a publish while disconnected must reject now, not wait in a queue for a reconnect.
    disableOfflineQueue: true,
    socket: {
      ...base.socket,
      connectTimeout: timeoutMs,
      reconnectStrategy: (retries: number, cause: Error) => {
        const delay = reconnectDelayMs(retries);
        if (!phase.connecting) return delay;
        // While connecting for the first time, stop once the next try would miss the deadline, or at once when
        // Redis refused our credentials: trying them again cannot help.
        return AUTH_FAILURE.test(cause.message) || Date.now() + delay >= deadline ? cause : delay;
      },
    },
  }) as RedisClient;
  const sub = pub.duplicate({ name: `${name}-sub` }) as RedisClient;
  const bus = new RedisBus(
    instanceId,
    pub,
    sub,
    opts.redis,
    opts.log.child({ bus: "redis", instanceId, redis: target }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      Promise.all([pub.connect(), sub.connect()]),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    bus.destroy();
    const reason = scrubCredentials(error instanceof Error ? error.message : String(error), opts.redis);
    throw new UnavailableError(`Redis at ${target} is unavailable: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
    phase.connecting = false;
  }
  bus.connected();
  return bus;
}

class RedisBus implements Bus {
  readonly kind = "redis";
  readonly instanceId: string;
  readonly #pub: RedisClient;
  readonly #sub: RedisClient;
  readonly #redis: RedisOptions;
  readonly #log: Logger;
  readonly #health: HealthListeners;
  readonly #subscriptions: RedisSubscriptions;
  /** Messages to other instances, one PUBLISH per instance and turn of the loop (instance-batches.ts). */
  readonly #outbox = new InstanceOutbox((channel, text) => this.publish(channel, text));
  #healthy = false;
  #connected = false;
  #closed = false;
  /** False while the last PING went unanswered (a frozen or hung Redis). */
  #answering = true;
  #probing = false;
  #probe: ReturnType<typeof setInterval> | undefined;

  constructor(instanceId: string, pub: RedisClient, sub: RedisClient, redis: RedisOptions, log: Logger) {
    this.instanceId = instanceId;
    this.#pub = pub;
    this.#sub = sub;
    this.#redis = redis;
    this.#log = log;
    this.#health = new HealthListeners(log);
    this.#subscriptions = new RedisSubscriptions(sub, log, (text) => scrubCredentials(text, redis));
    this.#watch(pub, "publisher");
    this.#watch(sub, "subscriber");
    sub.on("ready", () => this.#subscriptions.resync());
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Marks the first connect as done: from here on, connection changes are logged and reported. */
  connected(): void {
    this.#connected = true;
    this.#probe = setInterval(() => void this.#ping(), PROBE_INTERVAL_MS);
    this.#updateHealth();
  }

  /** Tears both connections down at once, without waiting (a failed connect). */
  destroy(): void {
    this.#closed = true;
    for (const client of [this.#pub, this.#sub]) {
      try {
        client.destroy();
      } catch {
        // Already closed: nothing left to tear down.
      }
    }
  }

  async publish(channel: string, message: string): Promise<void> {
    if (this.#closed) throw new UnavailableError("redis bus is closed: cannot publish");
    // A frozen Redis accepts writes into a socket it never reads: fail now rather than hang the caller.
    if (!this.#answering)
      throw new UnavailableError(`Redis bus is not answering: cannot publish on ${channel}`);
    try {
      await this.#pub.publish(channel, message);
    } catch (error) {
      const reason = this.#scrub(error);
      throw new UnavailableError(`Redis bus could not publish on ${channel}: ${reason}`, { cause: error });
    }
  }

  async subscribe(channel: string, handler: BusHandler): Promise<Unsubscribe> {
    if (this.#closed) throw new UnavailableError("redis bus is closed: cannot subscribe");
    const entry = await this.#subscriptions.add(channel, handler);
    return () => this.#subscriptions.remove(entry);
  }

  sendToInstance(instanceId: string, message: string): Promise<void> {
    return this.#outbox.send(instanceChannel(instanceId), message);
  }

  onInstanceMessage(handler: BusHandler): Promise<Unsubscribe> {
    return this.subscribe(instanceChannel(this.instanceId), (text, channel) => {
      // A message that travelled alone is handed on as it came (the subscription catches a throw): no copy.
      if (!isBatch(text)) {
        handler(text, channel);
        return;
      }
      for (const message of splitBatch(text)) {
        // One message failing must not cost the others of its batch.
        try {
          handler(message, channel);
        } catch (error) {
          this.#log.error("bus handler threw", { channel, error });
        }
      }
    });
  }

  onHealthChange(listener: (healthy: boolean) => void): () => void {
    return this.#health.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#probe);
    this.#subscriptions.clear();
    await Promise.all([closeClient(this.#pub), closeClient(this.#sub)]);
    this.#updateHealth();
    this.#health.clear();
  }

  #watch(client: RedisClient, role: "publisher" | "subscriber"): void {
    // Without an error listener node-redis crashes the process when a connection drops.
    client.on("error", (error: unknown) => {
      const wasHealthy = this.#healthy;
      this.#updateHealth();
      // The first error of an outage is worth a warning; the retries that follow only add noise.
      const level = this.#connected && !this.#closed && wasHealthy ? "warn" : "debug";
      this.#log[level]("redis bus connection error", { connection: role, reason: this.#scrub(error) });
    });
    for (const event of ["ready", "end", "reconnecting"]) client.on(event, () => this.#updateHealth());
  }

  /** One PING with a deadline; the answer (or its absence) decides `healthy` together with the connections. */
  async #ping(): Promise<void> {
    if (this.#probing || this.#closed || !this.#pub.isReady) return;
    this.#probing = true;
    try {
      await withDeadline(this.#pub.ping(), PROBE_TIMEOUT_MS, "Redis (bus PING)");
      this.#answering = true;
    } catch (error) {
      if (this.#answering && !this.#closed)
        this.#log.warn("redis bus not answering", { reason: this.#scrub(error) });
      this.#answering = false;
    } finally {
      this.#probing = false;
      this.#updateHealth();
    }
  }

  #updateHealth(): void {
    const healthy =
      this.#connected && !this.#closed && this.#answering && this.#pub.isReady && this.#sub.isReady;
    if (healthy === this.#healthy) return;
    this.#healthy = healthy;
    if (!this.#closed)
      this.#log[healthy ? "info" : "warn"](healthy ? "redis bus healthy" : "redis bus unhealthy");
    this.#health.emit(healthy);
  }

  #scrub(error: unknown): string {
    return scrubCredentials(error instanceof Error ? error.message : String(error), this.#redis);
  }
}

/** Closes one client, letting pending commands finish for up to {@link CLOSE_GRACE_MS}; never rejects. */
async function closeClient(client: RedisClient): Promise<void> {
  if (!client.isReady) {
    client.destroy();
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.close(),
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS))),
    ]);
  } catch {
    // Closing a connection that just dropped: destroying it below is all that is left to do.
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}
