/**
 * Spoke presence (ARCHITECTURE.md › Many instances): which connection on which instance holds each spoke name,
 * with a time to live the owning instance refreshes on every heartbeat. It makes names unique across the
 * cluster and lets every instance notice spokes whose instance died. A name held by a dead instance (killed,
 * or this instance's previous life) is taken over at once instead of after the name's time to live: in Redis an
 * instance counts as alive while its short-lived liveness mark exists and its bus channel has a subscriber. `memory.ts` serves a single instance,
 * `redis.ts` a cluster; one conformance suite runs against both.
 */

/** Who holds a spoke name. */
export interface PresenceEntry {
  instanceId: string;
  connectionId: string;
  /** The API key of the holding connection (takeover is allowed to the same key only). */
  keyId: string;
  /** Epoch ms of the claim. */
  since: number;
}

/**
 * Outcome of a claim. `previous` names the connection the name was taken from: by a takeover of the same key
 * (`orphaned` false: its instance should close it), or from an instance that is no longer alive (`orphaned`
 * true: nobody is left to tell).
 */
export type ClaimResult =
  | { ok: true; previous?: PresenceEntry; orphaned?: boolean }
  | { ok: false; holder: PresenceEntry };

export interface Presence {
  /**
   * Claims `name` for `entry.connectionId`. Succeeds when nobody holds it, when the same connection does, when
   * the holder's instance is not alive, or — with `takeover` — when another connection of the same key does.
   */
  claim(name: string, entry: PresenceEntry, ttlMs: number, takeover: boolean): Promise<ClaimResult>;
  /** Extends the names this instance holds; returns the names lost to other connections. */
  refresh(held: ReadonlyArray<{ name: string; entry: PresenceEntry }>, ttlMs: number): Promise<string[]>;
  /** Releases `name` if `connectionId` still holds it. */
  release(name: string, connectionId: string): Promise<void>;
  /** The current holders of `names` (undefined where nobody holds one). */
  lookup(names: readonly string[]): Promise<Array<PresenceEntry | undefined>>;
  /** Ends this instance's liveness mark (its names become claimable at once) and closes the connection. */
  close(): Promise<void>;
}

/** The Redis key of one spoke name. */
export function presenceKey(name: string): string {
  return `alkhub:spoke:${name}`;
}

/** Prefix of the Redis key that marks an instance alive (`alkhub:alive:<instanceId>`). */
export const INSTANCE_KEY_PREFIX = "alkhub:alive:";

/**
 * Default life of an instance's liveness mark, in milliseconds. A killed instance's names are free this long
 * after it died at the latest; the mark is renewed four times per life.
 */
export const DEFAULT_INSTANCE_TTL_MS = 2000;

/** Default bound on one presence command, in milliseconds: a frozen Redis fails a claim, it never hangs it. */
export const DEFAULT_PRESENCE_COMMAND_TIMEOUT_MS = 2000;
