import type { MetricsRegistry } from "../health/index.ts";
import type { Logger } from "../log/index.ts";
import type { AuditSink, CallOutcome, CallRecord } from "../router/index.ts";
import type { Store } from "../store/index.ts";

/** The router owns the seam (the relay must not depend on the audit or the store); re-exported for the audit's users. */
export type { AuditSink, CallOutcome, CallRecord };

/** How often expired rows are purged when `purgeIntervalMs` is not given: one hour. */
export const DEFAULT_PURGE_INTERVAL_MS = 3_600_000;
/** Rows deleted per statement by the retention purge, so a huge table is never locked for long. */
export const DEFAULT_PURGE_BATCH_ROWS = 5_000;
/** How long one INSERT or DELETE may take before it counts as failed (a lost query must not stall the writer). */
export const DEFAULT_WRITE_TIMEOUT_MS = 10_000;
/** How long `stop()` keeps trying to write what is queued before it gives up and logs what is left. */
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;
/**
 * The most rows one INSERT carries, whatever `batchSize` says (about 200 bytes of JSON a row), so one
 * statement stays short.
 */
export const MAX_ROWS_PER_INSERT = 5_000;

/**
 * Bytes of encoded rows (COPY text, about 150 bytes a row) the audit keeps while the database is away or slower
 * than the calls, before it starts dropping: 64 MiB, about 400,000 rows, beside the `queueLimit` rows of the ring.
 */
export const DEFAULT_SPILL_MAX_BYTES = 64 * 1024 * 1024;

/** What `CallAudit` needs; the numeric members mirror the `audit` config section (CONFIG.md). */
export interface CallAuditOptions {
  store: Store;
  log: Logger;
  metrics: MetricsRegistry;
  /** Written to `calls.instance_id` of every row. */
  instanceId: string;
  /** False: `record` does nothing (the retention purge still runs). */
  enabled: boolean;
  /** Rows per COPY (capped at `MAX_ROWS_PER_INSERT`); a full batch is written at once. */
  batchSize: number;
  /** Milliseconds between background flushes. */
  flushIntervalMs: number;
  /** Rows the preallocated ring holds between flushes; a record that finds it full is dropped and counted. */
  queueLimit: number;
  /** Bytes of encoded rows kept while writes fail or lag. Default `DEFAULT_SPILL_MAX_BYTES` (64 MiB). */
  spillMaxBytes?: number;
  /** Rows whose `started_at` is older than this many days are purged. */
  retentionDays: number;
  /** Milliseconds between purges. Default `DEFAULT_PURGE_INTERVAL_MS` (1 h). */
  purgeIntervalMs?: number;
  /** Rows per purge DELETE. Default `DEFAULT_PURGE_BATCH_ROWS`. */
  purgeBatchRows?: number;
  /** Per-statement timeout in milliseconds. Default `DEFAULT_WRITE_TIMEOUT_MS`. */
  writeTimeoutMs?: number;
  /** How long `stop()` tries to flush, in milliseconds. Default `DEFAULT_STOP_TIMEOUT_MS`. */
  stopTimeoutMs?: number;
}
