/**
 * The subscriber side of the Redis bus: one Redis subscription per channel, fanned out to local handlers. The
 * wanted state is "subscribed in Redis exactly while a channel has a local handler"; every change goes through a
 * per-channel queue that moves Redis towards it, so concurrent subscribe/unsubscribe calls cannot interleave.
 */
import type { createClient } from "@redis/client";
import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { type HandlerEntry, HandlerRegistry } from "./handlers.ts";
import type { BusHandler } from "./types.ts";

/** A node-redis client as `createClient` makes it. */
export type RedisClient = ReturnType<typeof createClient>;

/** The subscriptions of one Redis bus, on its dedicated subscriber connection. */
export class RedisSubscriptions {
  readonly #client: RedisClient;
  readonly #handlers: HandlerRegistry;
  readonly #log: Logger;
  readonly #scrub: (text: string) => string;
  /** Channels subscribed in Redis. node-redis re-subscribes them itself after a reconnect. */
  readonly #subscribed = new Set<string>();
  readonly #queues = new Map<string, Promise<void>>();
  readonly #listener = (message: string, channel: string) => this.#handlers.deliver(channel, message);

  constructor(client: RedisClient, log: Logger, scrub: (text: string) => string) {
    this.#client = client;
    this.#log = log;
    this.#scrub = scrub;
    this.#handlers = new HandlerRegistry(log);
  }

  /**
   * Adds a local handler and makes sure Redis delivers `channel` to this instance. Rejects with UnavailableError
   * (and adds nothing) when the subscriber connection is down, so the caller knows it is not subscribed.
   */
  async add(channel: string, handler: BusHandler): Promise<HandlerEntry> {
    const entry = this.#handlers.add(channel, handler);
    try {
      await this.#sync(channel);
    } catch (error) {
      this.#handlers.remove(entry);
      const reason = this.#scrub(error instanceof Error ? error.message : String(error));
      throw new UnavailableError(`Redis bus could not subscribe to ${channel}: ${reason}`, { cause: error });
    }
    return entry;
  }

  /**
   * Removes a local handler at once; the last one of a channel also unsubscribes in Redis. Never rejects: if Redis
   * is down, the stale Redis subscription is dropped by {@link resync} after the reconnect.
   */
  async remove(entry: HandlerEntry): Promise<void> {
    if (!this.#handlers.remove(entry)) return;
    try {
      await this.#sync(entry.channel);
    } catch (error) {
      this.#log.debug("redis bus unsubscribe deferred until reconnect", {
        channel: entry.channel,
        reason: this.#scrub(error instanceof Error ? error.message : String(error)),
      });
    }
  }

  /** Brings every channel back to its wanted state; called each time the subscriber connection is ready. */
  resync(): void {
    const channels = new Set([...this.#subscribed, ...this.#handlers.channels()]);
    for (const channel of channels) {
      this.#sync(channel).catch((error: unknown) => {
        this.#log.warn("redis bus could not resync a channel", {
          channel,
          reason: this.#scrub(error instanceof Error ? error.message : String(error)),
        });
      });
    }
  }

  /** Drops every local handler (the bus is closing); the connection itself is closed by the bus. */
  clear(): void {
    this.#handlers.clear();
  }

  #sync(channel: string): Promise<void> {
    const previous = this.#queues.get(channel) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#apply(channel));
    this.#queues.set(channel, next);
    const forget = () => {
      if (this.#queues.get(channel) === next) this.#queues.delete(channel);
    };
    next.then(forget, forget);
    return next;
  }

  async #apply(channel: string): Promise<void> {
    const wanted = this.#handlers.has(channel);
    const subscribed = this.#subscribed.has(channel);
    if (wanted === subscribed) return;
    // node-redis sends pub/sub commands even with the offline queue disabled, holding them until it reconnects;
    // failing here instead keeps subscribe() prompt and its outcome certain.
    if (!this.#client.isReady) throw new Error("subscriber connection is not ready");
    if (wanted) {
      await this.#client.subscribe(channel, this.#listener);
      this.#subscribed.add(channel);
    } else {
      await this.#client.unsubscribe(channel);
      this.#subscribed.delete(channel);
    }
  }
}
