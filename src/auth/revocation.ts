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
/** Waits between the attempts to broadcast a revocation on the bus. */
const PUBLISH_RETRY_MS = [100, 400, 1600, 5000];

interface RevokedMessage {
  type: "auth.revoked";
  keyId: string;
}

/** The text of a revocation message (bus and Postgres NOTIFY payload). */
export function revocationMessage(keyId: string): string {
  const message: RevokedMessage = { type: "auth.revoked", keyId };
  return JSON.stringify(message);
}

/** The key id of a revocation message, or undefined for anything else. */
export function parseRevocation(text: string): string | undefined {
  try {
    const message = JSON.parse(text) as Partial<RevokedMessage>;
    if (message.type === "auth.revoked" && typeof message.keyId === "string") return message.keyId;
  } catch {
    // Not ours.
  }
  return undefined;
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
  #stops: Array<Unsubscribe> = [];
  #log: Logger | undefined;

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

  /** Acts on a revocation of `keyId` now (idempotent: a key heard of twice is handled once). */
  revoked(keyId: string): void {
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

  /** Starts hearing revocations from the bus and (on Postgres) from `LISTEN`. */
  async start(bus: Bus, store: Pick<Store, "listen">, log: Logger): Promise<void> {
    this.#log = log;
    const onText = (text: string) => {
      const keyId = parseRevocation(text);
      if (keyId !== undefined) this.revoked(keyId);
    };
    this.#stops.push(await bus.subscribe(AUTH_CHANNEL, onText));
    if (store.listen) this.#stops.push(await store.listen(AUTH_NOTIFY_CHANNEL, onText));
  }

  async stop(): Promise<void> {
    const stops = this.#stops;
    this.#stops = [];
    await Promise.all(stops.map((stop) => stop()));
  }

  /**
   * Broadcasts a revocation made here on the bus, retrying a failed publish (Redis may be restarting). Other
   * instances on Postgres heard of it from `NOTIFY` already; the bus is the fast path, and the only one for
   * hubs that share Redis but not a notifying store. Resolves true once published, false after the last try.
   */
  async broadcast(bus: Bus, keyId: string, log: Logger): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await publishRevocation(bus, keyId);
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
