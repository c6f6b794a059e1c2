/**
 * Offline marks the database did not take because it was unreachable: a spoke whose connection ended during a
 * Postgres outage is shown offline at once in this instance's index, and its row is written when the database
 * is back. Kept by spoke name (the latest connection wins) and tried again every `retryMs`.
 */
import type { Logger } from "../log/index.ts";

/** How often the marks the database refused are tried again, in milliseconds. */
export const DEFAULT_OFFLINE_RETRY_MS = 1000;

interface OfflineMark {
  connectionId: string;
  at: Date;
}

/** What `OfflineWrites` needs: the write itself and what to do once it went through. */
export interface OfflineWritesOptions {
  /** Writes one mark; rejects while the database is unreachable. */
  write: (name: string, connectionId: string, at: Date) => Promise<unknown>;
  /** Called after a mark was written (the catalog announces the change). */
  written: (name: string) => void;
  log: Logger;
  retryMs?: number;
}

/** Offline marks waiting for the database, retried on a timer until each is written. */
export class OfflineWrites {
  readonly #options: OfflineWritesOptions;
  readonly #pending = new Map<string, OfflineMark>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #running = false;

  constructor(options: OfflineWritesOptions) {
    this.#options = options;
  }

  /** Marks waiting to be written. */
  get size(): number {
    return this.#pending.size;
  }

  /** Keeps the mark of spoke `name`'s connection `connectionId` (ended at `at`) until it can be written. */
  add(name: string, connectionId: string, at: Date): void {
    this.#pending.set(name, { connectionId, at });
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flush(), this.#options.retryMs ?? DEFAULT_OFFLINE_RETRY_MS);
    this.#timer.unref?.();
  }

  /** Drops the mark of `name` (a new registration wrote the row since). */
  forget(name: string): void {
    this.#pending.delete(name);
  }

  /** Tries every waiting mark once, stopping at the first failure (the database is still away). */
  async flush(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    let written = 0;
    try {
      for (const [name, mark] of [...this.#pending]) {
        try {
          await this.#options.write(name, mark.connectionId, mark.at);
        } catch {
          return;
        }
        if (this.#pending.get(name) === mark) this.#pending.delete(name);
        written++;
        this.#options.written(name);
      }
      if (this.#pending.size === 0) this.stop();
    } finally {
      this.#running = false;
      if (written > 0) this.#options.log.info("offline marks written late", { spokes: written });
    }
  }

  /** Stops retrying (what is left lapses with this process; the next start marks stale rows offline). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
