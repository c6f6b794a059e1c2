/**
 * Heartbeats noted per ping, written in one batched UPDATE per interval: the database sees at most one write per
 * spoke per interval, never one per ping.
 */
import { withDeadline } from "../deadline.ts";
import type { Logger } from "../log/index.ts";
import { type Store, storeErrorReason } from "../store/index.ts";
import { saveHeartbeats } from "./persistence.ts";

/** Collects spoke names that showed life and writes their `last_heartbeat_at` every `intervalMs`. */
export class HeartbeatBatcher {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #instanceId: string;
  readonly #intervalMs: number;
  #pending = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(opts: { store: Store; log: Logger; instanceId: string; intervalMs: number }) {
    this.#store = opts.store;
    this.#log = opts.log;
    this.#instanceId = opts.instanceId;
    this.#intervalMs = opts.intervalMs;
  }

  /** Starts the periodic writer (the timer does not keep the process alive). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flush(), this.#intervalMs);
    this.#timer.unref?.();
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  /** Notes that spoke `name` showed life now. */
  note(name: string): void {
    this.#pending.add(name);
  }

  /** Drops a pending heartbeat (the spoke went offline). */
  forget(name: string): void {
    this.#pending.delete(name);
  }

  /** Writes the pending heartbeats now, in one statement; on failure they are kept for the next round. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const names = [...this.#pending];
    this.#pending = new Set();
    try {
      // Bounded: a write lost to a silent database must not hold every later round (and stop()) behind it.
      await withDeadline(
        saveHeartbeats(this.#store.db, names, this.#instanceId, new Date()),
        this.#intervalMs,
        "the heartbeat write",
      );
    } catch (error) {
      for (const name of names) this.#pending.add(name);
      this.#log.warn("heartbeats not written", { spokes: names.length, error: storeErrorReason(error) });
    }
  }
}
