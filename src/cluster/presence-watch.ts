import type { Catalog } from "../catalog/index.ts";
import type { Logger } from "../log/index.ts";
import type { Presence } from "../presence/index.ts";

/**
 * How many passes a spoke this watch showed offline stays under watch for its claim to come back (a Redis
 * restart empties presence until the owner's next refresh, which may come after the owner announced itself).
 */
export const SUSPECT_PASSES = 20;

/**
 * How many passes in a row the claim of a spoke must be missing, while its instance is alive, before the spoke
 * is shown offline. A Redis restart empties presence until the owner's next refresh; a live owner still holds
 * its spokes meanwhile. An owner that went silent loses its spokes at the first pass.
 */
export const MISSING_PASSES = 3;

/**
 * Checks, once per heartbeat interval, that the spokes this instance shows as live on other instances are still
 * held there (presence). One whose claim lapsed — its instance died — or moved to another connection is
 * re-read, so `hub.list` stops offering it. A spoke shown offline that way is looked up again for a while: when
 * its claim reappears (the owner refreshed it after Redis came back) it is re-read and shown live again, without
 * waiting for an announcement that this instance may have missed. Nothing is written to the store: presence is
 * the truth, the rows' `status` is only a record.
 */
export class PresenceWatch {
  readonly #catalog: Catalog;
  readonly #presence: Presence;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #ownerAlive: (instanceId: string) => boolean;
  /** Spokes shown offline by this watch → passes left to look for their claim again. */
  readonly #suspects = new Map<string, number>();
  /** Live spokes whose claim is missing while their instance is alive → passes it has been missing. */
  readonly #missing = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #running = false;

  /** `ownerAlive` tells whether an instance still speaks on the bus; default: never (no grace). */
  constructor(opts: {
    catalog: Catalog;
    presence: Presence;
    log: Logger;
    intervalMs: number;
    ownerAlive?: (instanceId: string) => boolean;
  }) {
    this.#catalog = opts.catalog;
    this.#ownerAlive = opts.ownerAlive ?? (() => false);
    this.#presence = opts.presence;
    this.#log = opts.log;
    this.#intervalMs = opts.intervalMs;
  }

  start(): void {
    this.#timer = setInterval(() => void this.check(), this.#intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One pass; skipped when the previous one still runs or Redis is unreachable. */
  async check(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (const name of this.#suspects.keys()) {
        if (this.#catalog.spoke(name)?.live !== false) this.#suspects.delete(name);
      }
      const remote = this.#catalog.liveRemoteSpokes();
      const remoteNames = new Set(remote.map((spoke) => spoke.name));
      for (const name of this.#missing.keys()) if (!remoteNames.has(name)) this.#missing.delete(name);
      const suspects = [...this.#suspects.keys()];
      if (remote.length === 0 && suspects.length === 0) return;
      const holders = await this.#presence.lookup([...remote.map((spoke) => spoke.name), ...suspects]);
      for (const [i, spoke] of remote.entries()) {
        const holder = holders[i];
        if (holder?.connectionId === spoke.connectionId) {
          this.#missing.delete(spoke.name);
          continue;
        }
        if (!holder && this.#ownerAlive(spoke.instanceId)) {
          const passes = (this.#missing.get(spoke.name) ?? 0) + 1;
          this.#missing.set(spoke.name, passes);
          if (passes < MISSING_PASSES) continue;
        }
        this.#missing.delete(spoke.name);
        this.#log.info("spoke no longer held where this instance thought", {
          spoke: spoke.name,
          held: !!holder,
        });
        await this.#catalog.presenceChanged(spoke.name, holder?.connectionId);
        if (this.#catalog.spoke(spoke.name)?.live === false) this.#suspects.set(spoke.name, SUSPECT_PASSES);
      }
      for (const [i, name] of suspects.entries()) await this.#recheck(name, holders[remote.length + i]);
    } catch {
      // Redis unreachable: keep the current view; the next pass tries again.
    } finally {
      this.#running = false;
    }
  }

  /** A spoke shown offline by this watch: live again once presence names the connection its row names. */
  async #recheck(name: string, holder: { connectionId: string } | undefined): Promise<void> {
    if (holder) {
      await this.#catalog.presenceChanged(name, holder.connectionId);
      if (this.#catalog.spoke(name)?.live) {
        this.#suspects.delete(name);
        this.#log.info("spoke held again", { spoke: name });
        return;
      }
    }
    const left = (this.#suspects.get(name) ?? 1) - 1;
    if (left > 0) this.#suspects.set(name, left);
    else this.#suspects.delete(name);
  }
}
