import type postgres from "postgres";
import type { Logger } from "../log/index.ts";

/** Waits between attempts to listen again after the listening connection was lost: doubling, capped. */
const RELISTEN_FIRST_DELAY_MS = 100;
const RELISTEN_MAX_DELAY_MS = 2000;

/** Called with each `NOTIFY` payload on the channel. */
export type NotifyHandler = (payload: string) => void;
/**
 * Called each time the channel is listened on again after the connection was lost, with the epoch ms at which it
 * was lost: the `NOTIFY`s sent in between are gone (Postgres keeps none for a closed session), so whoever relies
 * on them reads what changed since then.
 */
export type RelistenHandler = (lostAt: number) => void;

interface Subscriber {
  onPayload: NotifyHandler;
  onRelisten: RelistenHandler | undefined;
}

/** Opens the dedicated connection with the two hooks this listener needs. */
export type ListenClientFactory = (hooks: {
  onnotify: (channel: string, payload: string) => void;
  onclose: () => void;
}) => postgres.Sql;

/**
 * Postgres `LISTEN` that comes back after an outage. postgres.js's own `sql.listen` listens again once when its
 * connection closes and gives up, silently, when that one attempt fails — so after any outage longer than a
 * reconnect a hub heard no `NOTIFY` again (seen: a revocation sent 3 s after a 4 s cut was never heard). This
 * keeps one dedicated connection for every channel, listens again with backoff until Postgres answers, and then
 * tells each subscriber when the connection was lost so it can catch up on what it missed.
 */
export class PostgresListener {
  readonly #channels = new Map<string, Set<Subscriber>>();
  readonly #makeClient: ListenClientFactory;
  readonly #log: Logger;
  #client: postgres.Sql | undefined;
  /** When the listening connection was lost, while it is being listened on again. */
  #lostAt: number | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #relistening = false;
  #closed = false;

  constructor(makeClient: ListenClientFactory, log: Logger) {
    this.#makeClient = makeClient;
    this.#log = log;
  }

  /** Listens on `channel` until the returned function is called. Rejects when Postgres refuses the `LISTEN`. */
  async listen(
    channel: string,
    onPayload: NotifyHandler,
    onRelisten?: RelistenHandler,
  ): Promise<() => Promise<void>> {
    const subscriber: Subscriber = { onPayload, onRelisten };
    let subscribers = this.#channels.get(channel);
    if (!subscribers) {
      subscribers = new Set();
      this.#channels.set(channel, subscribers);
      try {
        await this.#clientNow().unsafe(listenStatement(channel));
      } catch (error) {
        this.#channels.delete(channel);
        throw error;
      }
    }
    subscribers.add(subscriber);
    return async () => {
      const current = this.#channels.get(channel);
      if (!current?.delete(subscriber) || current.size > 0) return;
      this.#channels.delete(channel);
      await this.#client?.unsafe(`unlisten ${quoteIdentifier(channel)}`).catch(() => {});
    };
  }

  /** Stops listening and closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#channels.clear();
    await this.#client?.end({ timeout: 1 }).catch(() => {});
  }

  #clientNow(): postgres.Sql {
    this.#client ??= this.#makeClient({
      onnotify: (channel, payload) => this.#deliver(channel, payload),
      onclose: () => this.#lost(),
    });
    return this.#client;
  }

  #deliver(channel: string, payload: string): void {
    for (const subscriber of this.#channels.get(channel) ?? []) {
      try {
        subscriber.onPayload(payload);
      } catch (error) {
        this.#log.error("a NOTIFY handler failed", { channel, error });
      }
    }
  }

  #lost(): void {
    if (this.#closed || this.#channels.size === 0) return;
    this.#lostAt ??= Date.now();
    if (!this.#relistening) this.#scheduleRelisten(RELISTEN_FIRST_DELAY_MS);
  }

  #scheduleRelisten(delayMs: number): void {
    this.#relistening = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#relisten(delayMs), delayMs);
  }

  /** Listens on every channel again; on failure tries again later, doubling the wait up to a cap. */
  async #relisten(lastDelayMs: number): Promise<void> {
    if (this.#closed) return;
    const channels = [...this.#channels.keys()];
    try {
      for (const channel of channels) await this.#clientNow().unsafe(listenStatement(channel));
    } catch (error) {
      if (this.#closed) return;
      const delayMs = Math.min(RELISTEN_MAX_DELAY_MS, lastDelayMs * 2);
      this.#log.debug("listening again failed; retrying", { channels, retryInMs: delayMs, error });
      this.#scheduleRelisten(delayMs);
      return;
    }
    const lostAt = this.#lostAt ?? Date.now();
    this.#lostAt = undefined;
    this.#relistening = false;
    this.#log.info("listening to Postgres notifications again", { channels, downMs: Date.now() - lostAt });
    for (const channel of channels) {
      for (const subscriber of this.#channels.get(channel) ?? []) {
        try {
          subscriber.onRelisten?.(lostAt);
        } catch (error) {
          this.#log.error("a relisten handler failed", { channel, error });
        }
      }
    }
  }
}

function listenStatement(channel: string): string {
  return `listen ${quoteIdentifier(channel)}`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
