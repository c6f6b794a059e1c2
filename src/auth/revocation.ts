import type { Bus, Unsubscribe } from "../bus/index.ts";
import type { Logger } from "../log/index.ts";
import type { Store } from "../store/index.ts";

/** The bus channel that carries key revocations to every instance (SECURITY.md › Caches). */
export const AUTH_CHANNEL = "alkhub:auth";
/**
 * The Postgres `LISTEN` channel of key revocations. `revokeApiKey` notifies it in the revoking transaction, so
 * every hub on that database hears of it — with or without Redis, and from the CLI too.
 */
export const AUTH_NOTIFY_CHANNEL = "alkhub_auth";
/** How long a revoked key id is remembered, so verifications and sessions racing the revocation lose. */
export const REVOKED_MEMORY_MS = 10 * 60_000;
/** Most revoked key ids remembered at once; the oldest are forgotten first. */
const REVOKED_MEMORY_LIMIT = 10_000;
/**
 * How far before the moment the listening connection was lost a catch-up reads: changes are stamped with the
 * writer's clock (another host's, for the CLI), and one written just before the loss may have been missed too.
 */
const CATCH_UP_MARGIN_MS = 60_000;
/** Wait before a catch-up read that failed is tried again. */
const CATCH_UP_RETRY_MS = 2000;
/** Waits between the attempts to broadcast a revocation on the bus. */
const PUBLISH_RETRY_MS = [100, 400, 1600, 5000];

/** A key's change as read back from the store (see `Revocations.start`). */
export interface KeyChange {
  id: string;
  state: "active" | "disabled" | "expired" | "revoked";
  changedAt: Date;
}

/**
 * A key taken out of use (`auth.revoked`: revoked, disabled or expired by an operator) or brought back
 * (`auth.restored`: enabled again, or its expiry moved). `at` (epoch ms at the sender) orders the two when a
 * key is toggled quickly and the bus and NOTIFY deliver them in a different order.
 */
export interface AuthMessage {
  type: "auth.revoked" | "auth.restored";
  keyId: string;
  at?: number;
}

/** The text of a revocation message (bus and Postgres NOTIFY payload). */
export function revocationMessage(keyId: string, at = Date.now()): string {
  const message: AuthMessage = { type: "auth.revoked", keyId, at };
  return JSON.stringify(message);
}

/** The text of a restoration message: the key may be used again; forget its cut and its cached identity. */
export function restorationMessage(keyId: string, at = Date.now()): string {
  const message: AuthMessage = { type: "auth.restored", keyId, at };
  return JSON.stringify(message);
}

/** A revocation or restoration message, or undefined for anything else. */
export function parseAuthMessage(text: string): AuthMessage | undefined {
  try {
    const message = JSON.parse(text) as Partial<AuthMessage>;
    if (
      (message.type === "auth.revoked" || message.type === "auth.restored") &&
      typeof message.keyId === "string"
    ) {
      return {
        type: message.type,
        keyId: message.keyId,
        at: typeof message.at === "number" ? message.at : undefined,
      };
    }
  } catch {
    // Not ours.
  }
  return undefined;
}

/** The key id of a revocation message, or undefined for anything else. */
export function parseRevocation(text: string): string | undefined {
  const message = parseAuthMessage(text);
  return message?.type === "auth.revoked" ? message.keyId : undefined;
}

/** Tells every instance on the bus that `keyId` is revoked. */
export async function publishRevocation(bus: Bus, keyId: string): Promise<void> {
  await bus.publish(AUTH_CHANNEL, revocationMessage(keyId));
}

/**
 * Where this instance hears of revoked keys and what it does then (issue #10 item 3): from the bus (Redis or
 * in-process), from Postgres `LISTEN` (every deployment on Postgres, with or without Redis), and from the
 * revoking admin request itself. Each key is acted on once; listeners close its connections and sessions and
 * abort its calls. Revoked ids are remembered for a while so a verification that raced the revocation cannot
 * bring the key back (see `KeyVerifier`).
 */
export class Revocations {
  readonly #revoked = new Map<string, number>();
  readonly #listeners: Array<(keyId: string) => void> = [];
  readonly #restoreListeners: Array<(keyId: string) => void> = [];
  /** The `at` of the last message acted on per key: an older one arriving late is ignored. */
  readonly #lastAt = new Map<string, number>();
  #stops: Array<Unsubscribe> = [];
  #log: Logger | undefined;
  /** Reads the keys changed since a time (the store's `keysChangedSince`), for catching up after a loss. */
  #changedSince: ((since: Date) => Promise<KeyChange[]>) | undefined;
  /** Epoch ms of the earliest loss of `LISTEN` not caught up yet. */
  #catchUpFrom: number | undefined;
  #catchingUp = false;
  /** Whether `LISTEN` was lost (and came back) since the current catch-up read began. */
  #lostAgain = false;
  #catchUpRetry: ReturnType<typeof setTimeout> | undefined;

  /** Whether `keyId` was revoked in the last ten minutes (as far as this instance heard). */
  isRevoked(keyId: string): boolean {
    if (this.#revoked.size === 0) return false;
    const at = this.#revoked.get(keyId);
    if (at === undefined) return false;
    if (Date.now() - at <= REVOKED_MEMORY_MS) return true;
    this.#revoked.delete(keyId);
    return false;
  }

  /** Calls `listener` once for each newly revoked key. */
  onRevoked(listener: (keyId: string) => void): void {
    this.#listeners.push(listener);
  }

  /** Calls `listener` for each key brought back into use (enabled again, expiry moved). */
  onRestored(listener: (keyId: string) => void): void {
    this.#restoreListeners.push(listener);
  }

  /**
   * Acts on a revocation of `keyId` now (idempotent: a key heard of twice is handled once). `at` orders it
   * against a restoration of the same key; an older message than the last one acted on is ignored.
   */
  revoked(keyId: string, at?: number): void {
    if (this.#stale(keyId, at)) return;
    if (this.isRevoked(keyId)) return;
    this.#revoked.set(keyId, Date.now());
    if (this.#revoked.size > REVOKED_MEMORY_LIMIT) {
      const oldest = this.#revoked.keys().next().value;
      if (oldest !== undefined) this.#revoked.delete(oldest);
    }
    for (const listener of this.#listeners) {
      try {
        listener(keyId);
      } catch (error) {
        this.#log?.error("a revocation listener failed", { keyId, error });
      }
    }
  }

  /** Forgets a cut of `keyId` (it was disabled and is enabled again) and tells the restore listeners. */
  restored(keyId: string, at?: number): void {
    if (this.#stale(keyId, at)) return;
    this.#revoked.delete(keyId);
    for (const listener of this.#restoreListeners) {
      try {
        listener(keyId);
      } catch (error) {
        this.#log?.error("a restoration listener failed", { keyId, error });
      }
    }
  }

  /** Acts on a revocation or restoration message (bus, NOTIFY, or one this instance just sent); ignores others. */
  apply(text: string): void {
    const message = parseAuthMessage(text);
    if (message?.type === "auth.revoked") this.revoked(message.keyId, message.at);
    else if (message?.type === "auth.restored") this.restored(message.keyId, message.at);
  }

  /** Whether a message stamped `at` is older than the last one acted on for `keyId` (and records it if not). */
  #stale(keyId: string, at: number | undefined): boolean {
    if (at === undefined) return false;
    const last = this.#lastAt.get(keyId);
    if (last !== undefined && at < last) return true;
    this.#lastAt.delete(keyId);
    this.#lastAt.set(keyId, at);
    if (this.#lastAt.size > REVOKED_MEMORY_LIMIT) {
      const oldest = this.#lastAt.keys().next().value;
      if (oldest !== undefined) this.#lastAt.delete(oldest);
    }
    return false;
  }

  /**
   * Starts hearing revocations from the bus and (on Postgres) from `LISTEN`. When `LISTEN` comes back after the
   * connection was lost, the keys changed meanwhile (`changedSince`) are acted on as if their notifications had
   * arrived: a key revoked with the CLI during an outage ends its open connections once Postgres is back.
   */
  async start(
    bus: Bus,
    store: Pick<Store, "listen">,
    log: Logger,
    changedSince?: (since: Date) => Promise<KeyChange[]>,
  ): Promise<void> {
    this.#log = log;
    const onText = (text: string) => this.apply(text);
    this.#stops.push(await bus.subscribe(AUTH_CHANNEL, onText));
    if (!store.listen) return;
    if (changedSince) this.#changedSince = changedSince;
    const onRelisten = (lostAt: number) => {
      this.#catchUpFrom = Math.min(this.#catchUpFrom ?? lostAt, lostAt);
      this.#lostAgain = true;
      void this.#catchUp();
    };
    this.#stops.push(await store.listen(AUTH_NOTIFY_CHANNEL, onText, onRelisten));
  }

  /**
   * Reads the keys changed since the earliest loss not caught up yet and acts on them. A read that fails (the
   * database went away again) is tried again later from the same point, so no window of lost notifications is
   * skipped.
   */
  async #catchUp(): Promise<void> {
    const changedSince = this.#changedSince;
    const from = this.#catchUpFrom;
    if (!changedSince || from === undefined || this.#catchingUp) return;
    this.#catchingUp = true;
    this.#lostAgain = false;
    const since = new Date(from - CATCH_UP_MARGIN_MS);
    let changes: KeyChange[];
    try {
      changes = await changedSince(since);
    } catch (error) {
      this.#log?.warn("could not read the keys changed while notifications were lost; retrying", {
        retryInMs: CATCH_UP_RETRY_MS,
        error,
      });
      this.#catchUpRetry = setTimeout(() => void this.#catchUp(), CATCH_UP_RETRY_MS);
      return;
    } finally {
      this.#catchingUp = false;
    }
    // Lost again while this read ran: read once more (from the same point), as the read may predate that loss.
    if (this.#lostAgain) void this.#catchUp();
    else this.#catchUpFrom = undefined;
    let cut = 0;
    for (const change of changes) {
      const at = change.changedAt.getTime();
      // Expired counts as cut: an expiry moved into the past during the loss must end the key's connections.
      if (change.state === "active") this.restored(change.id, at);
      else {
        cut++;
        this.revoked(change.id, at);
      }
    }
    this.#log?.info("caught up on key changes missed while notifications were lost", {
      since: since.toISOString(),
      changed: changes.length,
      cut,
    });
  }

  async stop(): Promise<void> {
    clearTimeout(this.#catchUpRetry);
    this.#changedSince = undefined;
    const stops = this.#stops;
    this.#stops = [];
    await Promise.all(stops.map((stop) => stop()));
  }

  /**
   * Broadcasts a revocation made here on the bus, retrying a failed publish (Redis may be restarting). Other
   * instances on Postgres heard of it from `NOTIFY` already; the bus is the fast path, and the only one for
   * hubs that share Redis but not a notifying store. Resolves true once published, false after the last try.
   */
  async broadcast(
    bus: Bus,
    keyId: string,
    log: Logger,
    message = revocationMessage(keyId),
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await bus.publish(AUTH_CHANNEL, message);
        return true;
      } catch (error) {
        const wait = PUBLISH_RETRY_MS[attempt];
        if (wait === undefined) {
          log.error("could not broadcast a key revocation on the bus", {
            keyId,
            attempts: attempt + 1,
            error,
          });
          return false;
        }
        log.warn("broadcasting a key revocation failed; retrying", { keyId, retryInMs: wait, error });
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
