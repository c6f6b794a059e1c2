import type { Catalog } from "../catalog/index.ts";
import type { Logger } from "../log/index.ts";
import type { Presence } from "../presence/index.ts";

/**
 * Checks, once per heartbeat interval, that the spokes this instance shows as live on other instances are still
 * held there (presence). One whose claim lapsed — its instance died — or moved to another connection is
 * re-read, so `hub.list` stops offering it. Nothing is written to the store: presence is the truth, the rows'
 * `status` is only a record.
 */
export class PresenceWatch {
  readonly #catalog: Catalog;
  readonly #presence: Presence;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running = false;

  constructor(opts: { catalog: Catalog; presence: Presence; log: Logger; intervalMs: number }) {
    this.#catalog = opts.catalog;
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
      const remote = this.#catalog.liveRemoteSpokes();
      if (remote.length === 0) return;
      const holders = await this.#presence.lookup(remote.map((spoke) => spoke.name));
      for (const [i, spoke] of remote.entries()) {
        const holder = holders[i];
        if (holder?.connectionId === spoke.connectionId) continue;
        this.#log.info("spoke no longer held where this instance thought", {
          spoke: spoke.name,
          held: !!holder,
        });
        await this.#catalog.presenceChanged(spoke.name, holder?.connectionId);
      }
    } catch {
      // Redis unreachable: keep the current view; the next pass tries again.
    } finally {
      this.#running = false;
    }
  }
}
