import type { Counter } from "../health/index.ts";
import type { Logger } from "../log/index.ts";
import { yieldToLoop } from "../loop-slices.ts";
import { type CallRecord, newCallRecord } from "../router/index.ts";
import { isRowError, type Store, sqlStateOf, storeErrorReason } from "../store/index.ts";
import { CallRing } from "./call-ring.ts";
import { CALL_COLUMNS, CopyLineWriter } from "./copy-rows.ts";
import { type ResolvedAuditOptions, resolveAuditOptions } from "./options.ts";
import { deleteCallsBefore, insertCopyLines, insertOneByOne } from "./statements.ts";
import type { AuditSink, CallAuditOptions } from "./types.ts";

const DAY_MS = 86_400_000;
/** Pause between `stop()`'s write attempts while the database is unreachable. */
const STOP_RETRY_MS = 250;
/** Rows encoded per turn of the event loop, so encoding a big batch never holds the relay's thread for long. */
const ENCODE_SLICE_ROWS = 500;

/** Rows encoded as COPY text lines (`CopyLineWriter`) and waiting to be written, oldest first. */
interface Batch {
  chunks: string[];
  rows: number;
  bytes: number;
}

/**
 * The call audit as a stream (issue #11). `record()` copies a finished call into a preallocated ring (O(1), no
 * allocation, never blocks). The writer, off the hot path, moves the ring's rows into batches encoded once as
 * COPY text, each batch one COPY (`Store.copyFrom`: in the embedded store's thread, or on a Postgres connection
 * of its own). A batch refused for a duplicate id (a retry of a write that did commit) is written again with an
 * INSERT that skips ids already there; one refused for its data, row by row, dropping only the rows refused.
 *
 * Outages spill, overload sheds (docs/operations.md › Call audit): while writes fail, rows keep moving from the
 * ring into encoded batches held in memory, up to `spillMaxBytes`, and are written in order once the database
 * is back. Only when both the spill budget and the ring (`queueLimit` rows) are full is a new record dropped —
 * the newest, so what is kept stays a contiguous stretch of history — counted in
 * `alkhub_audit_dropped_total` and logged once per overflow episode. Lifecycle: `start()`, then `stop()`.
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

  readonly #ring: CallRing;
  /** The record `#ring.shift` hands out, reused for every row. */
  readonly #scratch = newCallRecord();
  /** COPY text: what each store's COPY and the fallback INSERT both read. */
  readonly #lines = new CopyLineWriter();
  /** Encoded rows not yet written (the spill while the database is away). */
  #batches: Batch[] = [];
  #batchRows = 0;
  #batchBytes = 0;
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
  /** Who watches finished calls live (`onCall`); empty unless someone streams `/api/v1/events`. */
  #watchers: Array<(call: Readonly<CallRecord>) => void> = [];

  /** Registers the audit's metrics on `options.metrics`. Throws `ConfigError` for a bad option. */
  constructor(options: CallAuditOptions) {
    this.#opts = resolveAuditOptions(options);
    this.#store = options.store;
    this.#log = options.log;
    this.#instanceId = options.instanceId;
    this.#enabled = options.enabled;
    // The ring's columns are allocated once, and only when the audit is on.
    this.#ring = new CallRing(this.#enabled ? this.#opts.queueLimit : 0);
    const { metrics } = options;
    metrics.gauge("alkhub_audit_queue_rows", "Call audit rows waiting to be written.", () => [
      [{}, this.queued],
    ]);
    metrics.gauge(
      "alkhub_audit_spill_bytes",
      "Bytes of encoded call audit rows held while waiting for the database.",
      () => [[{}, this.#batchBytes]],
    );
    this.#writtenTotal = metrics.counter("alkhub_audit_written_total", "Call audit rows written.");
    this.#droppedTotal = metrics.counter(
      "alkhub_audit_dropped_total",
      "Call audit rows dropped (queue and spill full, or refused by the database).",
    );
    this.#failuresTotal = metrics.counter(
      "alkhub_audit_write_failures_total",
      "Call audit COPY or INSERT statements that failed.",
    );
  }

  /** Rows waiting to be written (in the ring, or encoded and spilled). */
  get queued(): number {
    return this.#ring.size + this.#batchRows;
  }

  /** Rows dropped since construction: queue and spill were full, or the database refused a row's data. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Rows written since construction. */
  get written(): number {
    return this.#written;
  }

  /**
   * Copies `call` into the ring (the caller may reuse the object at once). When the ring is full the record is
   * dropped and counted; when the audit is disabled it does nothing. O(1); never throws, never awaits.
   */
  record(call: Readonly<CallRecord>): void {
    // One length check while nobody watches: the live feed costs the relay nothing until someone listens.
    if (this.#watchers.length !== 0) this.#notify(call);
    if (!this.#enabled) return;
    const ring = this.#ring;
    if (!ring.push(call)) {
      this.#dropped++;
      this.#overflowDropped++;
      this.#droppedTotal.inc();
      return;
    }
    // Exactly at the threshold, so a burst schedules one early flush, not one per record.
    if (ring.size === this.#opts.batchSize && this.#running) this.#kick();
  }

  /**
   * Calls `watcher` with every finished call this instance records (audit on or off), synchronously inside
   * `record`: it must copy what it needs at once (the record is reused) and return quickly. Returns its remover.
   */
  onCall(watcher: (call: Readonly<CallRecord>) => void): () => void {
    this.#watchers = [...this.#watchers, watcher];
    return () => {
      this.#watchers = this.#watchers.filter((each) => each !== watcher);
    };
  }

  #notify(call: Readonly<CallRecord>): void {
    for (const watcher of this.#watchers) {
      try {
        watcher(call);
      } catch (error) {
        this.#log.error("call watcher failed", { reason: storeErrorReason(error) });
      }
    }
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
   * Writes what is queued now (the rows in the ring when it starts, after any spilled batches), and resolves
   * with the number written. Never rejects: while the database is unreachable the rows are kept (spilled) for
   * the next tick, and the outage is logged once (and its end once). Flushes run one at a time.
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
    let written = 0;
    try {
      // Only the rows there now: under sustained load a flush ends, and the next one takes what came since.
      let take = this.#ring.size;
      for (;;) {
        if (this.#batches.length === 0 && take > 0) take -= await this.#encode(take);
        const batch = this.#batches[0];
        if (!batch) break;
        const result = await this.#writeBatch(batch);
        written += result;
        if (this.#outageSince !== null) {
          // Keep the rows: move what fits of this flush's share of the ring into the spill.
          while (take > 0 && this.#batchBytes < this.#opts.spillMaxBytes) take -= await this.#encode(take);
          break;
        }
      }
    } catch (error) {
      // Not a database error (those are handled per batch): a bug. The rows stay queued; say so.
      this.#log.error("audit writer failed", { reason: storeErrorReason(error) });
    }
    this.#reportOverflow(false);
    return written;
  }

  /**
   * Moves up to `min(max, batchSize)` rows from the ring into a new encoded batch, a slice at a time
   * with a turn of the event loop between slices. Returns how many rows it moved.
   */
  async #encode(max: number): Promise<number> {
    const target = Math.min(max, this.#opts.batchSize, this.#ring.size);
    const batch: Batch = { chunks: [], rows: 0, bytes: 0 };
    this.#batches.push(batch);
    while (batch.rows < target) {
      let text = "";
      const n = this.#ring.shift(Math.min(ENCODE_SLICE_ROWS, target - batch.rows), this.#scratch, (call) => {
        text += this.#lines.line(call, this.#instanceId);
      });
      batch.chunks.push(text);
      batch.rows += n;
      batch.bytes += text.length;
      this.#batchRows += n;
      this.#batchBytes += text.length;
      if (batch.rows < target) await yieldToLoop();
    }
    return target;
  }

  /** Writes the oldest batch; returns how many rows were written. On an outage the batch stays queued. */
  async #writeBatch(batch: Batch): Promise<number> {
    try {
      await this.#store.copyFrom("calls", CALL_COLUMNS, batch.chunks, this.#opts.writeTimeoutMs);
      this.#removeHead(batch);
      this.#settle(batch.rows, 0);
      return batch.rows;
    } catch (error) {
      this.#failuresTotal.inc();
      if (!isRowError(error)) {
        this.#noteOutage(error);
        return 0;
      }
    }
    // Refused for its data — or for a duplicate id of a retried batch that did commit, which a multi-row
    // INSERT that skips duplicates writes at once. Then one row at a time so a bad row costs only itself.
    const lines = batch.chunks.join("").split("\n");
    lines.pop(); // after the last newline
    const written = await this.#insertFallback(lines);
    if (written.left.length === 0) {
      this.#removeHead(batch);
    } else {
      const rest = this.#encodeRows(written.left);
      this.#batchRows += rest.rows - batch.rows;
      this.#batchBytes += rest.bytes - batch.bytes;
      this.#batches[0] = rest;
    }
    return written.count;
  }

  /**
   * INSERTs `lines` (COPY text lines without their newlines), skipping ids already written (all in one
   * statement first, then one by one); returns how many were written and the lines an outage left unwritten.
   */
  async #insertFallback(lines: string[]): Promise<{ count: number; left: string[] }> {
    const db = this.#store.db;
    try {
      await insertCopyLines(db, lines.join("\n"), this.#opts.writeTimeoutMs);
      this.#settle(lines.length, 0);
      return { count: lines.length, left: [] };
    } catch (error) {
      this.#failuresTotal.inc();
      if (!isRowError(error)) {
        this.#noteOutage(error);
        return { count: 0, left: lines };
      }
    }
    const result = await insertOneByOne(db, lines, this.#opts.writeTimeoutMs);
    this.#failuresTotal.inc({}, result.rejected + (result.failure ? 1 : 0));
    this.#settle(result.written, result.rejected);
    if (result.rejected > 0) {
      this.#log.warn(`audit: the database refused ${result.rejected} call rows; dropped them`, {
        rows: result.rejected,
        sqlState: sqlStateOf(result.firstRejection),
        reason: storeErrorReason(result.firstRejection),
      });
    }
    if (result.failure) {
      this.#noteOutage(result.failure.error);
      return { count: result.written, left: lines.slice(result.failure.stoppedAt) };
    }
    return { count: result.written, left: [] };
  }

  #encodeRows(lines: string[]): Batch {
    const text = `${lines.join("\n")}\n`;
    return { chunks: [text], rows: lines.length, bytes: text.length };
  }

  #removeHead(batch: Batch): void {
    this.#batches.shift();
    this.#batchRows -= batch.rows;
    this.#batchBytes -= batch.bytes;
  }

  #settle(written: number, rejected: number): void {
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
      reason: storeErrorReason(error),
      sqlState: sqlStateOf(error),
      queued: this.queued,
      retryEveryMs: this.#opts.flushIntervalMs,
    });
  }

  /** One line per overflow episode: it ends once the ring has room again (or at stop). */
  #reportOverflow(force: boolean): void {
    if (this.#overflowDropped === 0) return;
    if (!force && this.#ring.size >= this.#ring.capacity) return;
    const count = this.#overflowDropped;
    this.#overflowDropped = 0;
    this.#log.warn(`audit queue full: dropped ${count} call rows`, {
      dropped: count,
      queueLimit: this.#opts.queueLimit,
      spillMaxBytes: this.#opts.spillMaxBytes,
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
        this.#log.warn("audit purge failed; retrying at the next interval", {
          reason: storeErrorReason(error),
        });
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
