import type { Counter } from "../health/index.ts";
import type { Logger } from "../log/index.ts";
import type { Store } from "../store/index.ts";
import { type ResolvedAuditOptions, resolveAuditOptions } from "./options.ts";
import { type CallRow, isRowError, reasonOf, sqlStateOf, toCallRow } from "./rows.ts";
import { deleteCallsBefore, insertOneByOne, insertRows } from "./statements.ts";
import type { AuditSink, CallAuditOptions, CallRecord } from "./types.ts";

const DAY_MS = 86_400_000;
/** Pause between `stop()`'s write attempts while the database is unreachable. */
const STOP_RETRY_MS = 250;

/**
 * The call audit: `record()` queues a finished call in memory (O(1), never blocks); a background writer turns
 * the queue into multi-row INSERTs of `calls` rows every `flushIntervalMs`, or at once when a batch is full.
 * While the database is unreachable the rows stay queued (up to `queueLimit`) and are retried on every tick;
 * what does not fit is dropped, counted in `/metrics` and logged once per overflow episode. A purge deletes
 * rows older than `retentionDays`. Lifecycle: `start()`, then `stop()` at shutdown (after calls have drained).
 */
export class CallAudit implements AuditSink {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #instanceId: string;
  readonly #enabled: boolean;
  readonly #opts: ResolvedAuditOptions;
  readonly #writtenTotal: Counter;
  readonly #droppedTotal: Counter;
  readonly #failuresTotal: Counter;

  /** Records no flush has taken yet, oldest first. */
  #queue: CallRecord[] = [];
  /** Rows taken out of `#queue` by a flush (or set aside in `#retry`) and neither written nor dropped yet. */
  #held = 0;
  /** The batch whose write failed: the next flush writes it first, so order is kept. */
  #retry: CallRow[] = [];
  #written = 0;
  #dropped = 0;
  /** Rows dropped for a full queue since the last "audit queue full" line. */
  #overflowDropped = 0;
  /** When writes started failing (epoch ms); null while they succeed. */
  #outageSince: number | null = null;
  /** Flushes run one after another on this chain. */
  #chain: Promise<number> = Promise.resolve(0);
  #flushesRunning = 0;
  #flushAgain = false;
  #kickPending = false;
  #running = false;
  /** The purge in progress, if any (one at a time). */
  #purgeRun: Promise<void> | null = null;
  #flushTimer: ReturnType<typeof setInterval> | undefined;
  #purgeTimer: ReturnType<typeof setInterval> | undefined;
  #firstPurge: ReturnType<typeof setTimeout> | undefined;

  /** Registers the audit's metrics on `options.metrics`. Throws `ConfigError` for a bad option. */
  constructor(options: CallAuditOptions) {
    this.#opts = resolveAuditOptions(options);
    this.#store = options.store;
    this.#log = options.log;
    this.#instanceId = options.instanceId;
    this.#enabled = options.enabled;
    const { metrics } = options;
    metrics.gauge("alkhub_audit_queue_rows", "Call audit rows waiting to be written.", () => [
      [{}, this.queued],
    ]);
    this.#writtenTotal = metrics.counter("alkhub_audit_written_total", "Call audit rows written.");
    this.#droppedTotal = metrics.counter(
      "alkhub_audit_dropped_total",
      "Call audit rows dropped (queue full, or refused by the database).",
    );
    this.#failuresTotal = metrics.counter(
      "alkhub_audit_write_failures_total",
      "Call audit INSERT statements that failed.",
    );
  }

  /** Rows waiting to be written (queued, being written, or waiting for a retry). */
  get queued(): number {
    return this.#queue.length + this.#held;
  }

  /** Rows dropped since construction: the queue was full, or the database refused a row's data. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Rows written since construction. */
  get written(): number {
    return this.#written;
  }

  /**
   * Queues `call` as given (no copy). When `queueLimit` rows are waiting it drops the record and counts it;
   * when the audit is disabled it does nothing. O(1); never throws, never awaits.
   */
  record(call: CallRecord): void {
    if (!this.#enabled) return;
    const queue = this.#queue;
    if (queue.length + this.#held >= this.#opts.queueLimit) {
      this.#dropped++;
      this.#overflowDropped++;
      this.#droppedTotal.inc();
      return;
    }
    queue.push(call);
    // Exactly at the threshold, so a burst schedules one early flush, not one per record.
    if (queue.length === this.#opts.batchSize && this.#running && this.#outageSince === null) this.#kick();
  }

  /** Starts the flush timer (when enabled) and the purge timer (a first purge runs right away). Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#enabled) this.#flushTimer = setInterval(this.#tick, this.#opts.flushIntervalMs);
    this.#purgeTimer = setInterval(this.#purgeTick, this.#opts.purgeIntervalMs);
    this.#firstPurge = setTimeout(this.#purgeTick, 0);
    // Background work must not keep a stopping process alive.
    this.#flushTimer?.unref();
    this.#purgeTimer.unref();
    this.#firstPurge.unref();
  }

  /**
   * Writes everything queued now, in INSERTs of at most `batchSize` rows, and resolves with the number written.
   * Never rejects: on a database error the unwritten rows go back to the head of the queue for the next tick,
   * and the outage is logged once (and its end once). Flushes run one at a time.
   */
  flush(): Promise<number> {
    this.#flushesRunning++;
    const run = this.#chain
      .then(() => this.#drain())
      .finally(() => {
        this.#flushesRunning--;
        this.#afterFlush();
      });
    // A flush never rejects, but a broken chain would stop every later one: keep it whole regardless.
    this.#chain = run.catch(() => 0);
    return run;
  }

  /**
   * Deletes the rows whose `started_at` is more than `retentionDays` before `now` (default: the current time),
   * in DELETEs of `purgeBatchRows` rows. Resolves with the number deleted; rejects on a database error.
   */
  async purgeExpired(now: Date = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.#opts.retentionDays * DAY_MS);
    return await deleteCallsBefore(
      this.#store.db,
      cutoff,
      this.#opts.purgeBatchRows,
      this.#opts.writeTimeoutMs,
    );
  }

  /**
   * Stops the timers and writes what is queued, retrying while the database is unreachable, for at most
   * `stopTimeoutMs` (default 5 s); then logs how many rows were left unwritten. Never rejects.
   */
  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#flushTimer);
    clearInterval(this.#purgeTimer);
    clearTimeout(this.#firstPurge);
    this.#flushTimer = this.#purgeTimer = this.#firstPurge = undefined;
    const deadline = Date.now() + this.#opts.stopTimeoutMs;
    while (this.queued > 0 && Date.now() < deadline) {
      await raceDeadline(this.flush(), deadline);
      if (this.queued > 0 && this.#outageSince !== null) {
        await Bun.sleep(Math.max(0, Math.min(STOP_RETRY_MS, deadline - Date.now())));
      }
    }
    // The store closes after this: let a running purge end first rather than fail noisily.
    if (this.#purgeRun) await raceDeadline(this.#purgeRun, deadline);
    this.#reportOverflow(true);
    if (this.queued > 0) {
      this.#log.warn(`audit stopped with ${this.queued} call rows unwritten`, {
        rows: this.queued,
        afterMs: this.#opts.stopTimeoutMs,
      });
    }
  }

  #tick = (): void => {
    this.#kickPending = false;
    if (this.#flushesRunning > 0) {
      this.#flushAgain = true;
      return;
    }
    if (this.queued > 0 || this.#overflowDropped > 0) void this.flush();
  };

  /** Schedules a flush soon, after pending I/O, never inside the caller's stack (that is the hot path). */
  #kick(): void {
    if (this.#kickPending) return;
    this.#kickPending = true;
    setImmediate(this.#tick);
  }

  #afterFlush(): void {
    if (this.#flushesRunning > 0 || !this.#flushAgain) return;
    this.#flushAgain = false;
    if (this.#running && this.#outageSince === null) this.#kick();
  }

  async #drain(): Promise<number> {
    const records = this.#queue;
    this.#queue = [];
    this.#held += records.length;
    let next = 0;
    let written = 0;
    try {
      for (;;) {
        let rows: CallRow[];
        if (this.#retry.length > 0) {
          rows = this.#retry;
          this.#retry = [];
        } else if (next < records.length) {
          const end = Math.min(next + this.#opts.batchSize, records.length);
          rows = records.slice(next, end).map((r) => toCallRow(r, this.#instanceId));
          next = end;
        } else {
          break;
        }
        const result = await this.#writeBatch(rows);
        written += result;
        if (this.#retry.length > 0) break;
      }
    } catch (error) {
      // Not a database error (those are handled per batch): a bug. Keep the rows and say so.
      this.#log.error("audit writer failed", { reason: reasonOf(error) });
    } finally {
      if (next < records.length) {
        const untried = records.slice(next);
        this.#held -= untried.length;
        this.#queue = untried.length > 0 ? untried.concat(this.#queue) : this.#queue;
      }
    }
    this.#reportOverflow(false);
    return written;
  }

  /** Writes one batch; returns how many rows were written. Rows left unwritten by an outage go to `#retry`. */
  async #writeBatch(rows: CallRow[]): Promise<number> {
    const db = this.#store.db;
    try {
      await insertRows(db, rows, this.#opts.writeTimeoutMs);
      this.#settle(rows.length, 0);
      return rows.length;
    } catch (error) {
      this.#failuresTotal.inc();
      if (!isRowError(error)) {
        this.#retry = rows;
        this.#noteOutage(error);
        return 0;
      }
    }
    const result = await insertOneByOne(db, rows, this.#opts.writeTimeoutMs);
    this.#failuresTotal.inc({}, result.rejected + (result.failure ? 1 : 0));
    this.#settle(result.written, result.rejected);
    if (result.rejected > 0) {
      this.#log.warn(`audit: the database refused ${result.rejected} call rows; dropped them`, {
        rows: result.rejected,
        sqlState: sqlStateOf(result.firstRejection),
        reason: reasonOf(result.firstRejection),
      });
    }
    if (result.failure) {
      this.#retry = rows.slice(result.failure.stoppedAt);
      this.#noteOutage(result.failure.error);
    }
    return result.written;
  }

  #settle(written: number, rejected: number): void {
    this.#held -= written + rejected;
    this.#written += written;
    if (written > 0) this.#writtenTotal.inc({}, written);
    if (rejected > 0) {
      this.#dropped += rejected;
      this.#droppedTotal.inc({}, rejected);
    }
    if (written > 0 && this.#outageSince !== null) {
      this.#log.info("audit writes recovered", {
        downMs: Date.now() - this.#outageSince,
        queued: this.queued,
      });
      this.#outageSince = null;
    }
  }

  #noteOutage(error: unknown): void {
    if (this.#outageSince !== null) return;
    this.#outageSince = Date.now();
    this.#log.warn("audit writes failing; keeping call rows queued and retrying", {
      reason: reasonOf(error),
      sqlState: sqlStateOf(error),
      queued: this.queued,
      retryEveryMs: this.#opts.flushIntervalMs,
    });
  }

  /** One line per overflow episode: it ends once the queue has room again (or at stop). */
  #reportOverflow(force: boolean): void {
    if (this.#overflowDropped === 0) return;
    if (!force && this.queued >= this.#opts.queueLimit) return;
    const count = this.#overflowDropped;
    this.#overflowDropped = 0;
    this.#log.warn(`audit queue full: dropped ${count} call rows`, {
      dropped: count,
      queueLimit: this.#opts.queueLimit,
    });
  }

  #purgeTick = (): void => {
    if (this.#purgeRun) return;
    this.#purgeRun = this.purgeExpired()
      .then((deleted) => {
        if (deleted > 0) {
          this.#log.info("audit purge deleted expired call rows", {
            deleted,
            retentionDays: this.#opts.retentionDays,
          });
        }
      })
      .catch((error: unknown) => {
        this.#log.warn("audit purge failed; retrying at the next interval", { reason: reasonOf(error) });
      })
      .finally(() => {
        this.#purgeRun = null;
      });
  };
}

/** Waits for `work` or until `deadline` (epoch ms), whichever comes first. */
async function raceDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
