import type { Presence } from "../presence/index.ts";
import type { SpokeSession } from "./session.ts";

/**
 * This instance's claims on the names of the spokes connected here, in cluster-wide presence: extended on every
 * heartbeat (they live three heartbeats), released on drain. A name found claimed by another connection on
 * refresh is reported as lost.
 */
export class PresenceClaims {
  readonly #presence: Presence;
  readonly #instanceId: string;
  readonly #heartbeatMs: number;

  constructor(presence: Presence, instanceId: string, heartbeatMs: number) {
    this.#presence = presence;
    this.#instanceId = instanceId;
    this.#heartbeatMs = heartbeatMs;
  }

  /** How long a claim lives without a refresh: three heartbeats. */
  get ttlMs(): number {
    return 3 * this.#heartbeatMs;
  }

  /** Extends the claims of `held`; returns the names another connection holds now (empty when Redis is down). */
  async refresh(held: Iterable<SpokeSession>): Promise<string[]> {
    const claims = [...held].map((session) => ({
      name: session.spokeName,
      entry: {
        instanceId: this.#instanceId,
        connectionId: session.connectionId,
        keyId: session.identity.keyId,
        since: session.registeredAt,
      },
    }));
    try {
      return await this.#presence.refresh(claims, this.ttlMs);
    } catch {
      // Redis is down: the claims lapse by themselves; `reannounce` restores them when it is back.
      return [];
    }
  }

  /** Frees the name `session` holds; a claim that cannot be released now lapses by its time to live. */
  async release(session: SpokeSession): Promise<void> {
    await this.#presence.release(session.spokeName, session.connectionId).catch(() => {});
  }
}
