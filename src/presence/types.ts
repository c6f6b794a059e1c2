/**
 * Spoke presence (ARCHITECTURE.md › Many instances): which connection on which instance holds each spoke name,
 * with a time to live the owning instance refreshes on every heartbeat. It makes names unique across the
 * cluster and lets every instance notice spokes whose instance died. `memory.ts` serves a single instance,
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

/** Outcome of a claim. */
export type ClaimResult = { ok: true; previous?: PresenceEntry } | { ok: false; holder: PresenceEntry };

export interface Presence {
  /**
   * Claims `name` for `entry.connectionId`. Succeeds when nobody holds it, when the same connection does, or —
   * with `takeover` — when another connection of the same key does (`previous` names it, to be closed).
   */
  claim(name: string, entry: PresenceEntry, ttlMs: number, takeover: boolean): Promise<ClaimResult>;
  /** Extends the names this instance holds; returns the names lost to other connections. */
  refresh(held: ReadonlyArray<{ name: string; entry: PresenceEntry }>, ttlMs: number): Promise<string[]>;
  /** Releases `name` if `connectionId` still holds it. */
  release(name: string, connectionId: string): Promise<void>;
  /** The current holders of `names` (undefined where nobody holds one). */
  lookup(names: readonly string[]): Promise<Array<PresenceEntry | undefined>>;
  close(): Promise<void>;
}

/** The Redis key of one spoke name. */
export function presenceKey(name: string): string {
  return `alkhub:spoke:${name}`;
}
