import type { MetricsRegistry } from "../health/index.ts";
import type { Logger } from "../log/index.ts";
import type { Store } from "../store/index.ts";

/** How a call ended; the `calls.outcome` column accepts exactly these. */
export type CallOutcome = "ok" | "error" | "aborted" | "timeout";

/**
 * One finished call, as the router hands it to the audit. The object is queued as given (not copied), so the
 * caller must not mutate it afterwards.
 */
export interface CallRecord {
  requestId: string;
  /** The full published operation name. */
  operation: string;
  /** The spoke that served the call; null when none was found (e.g. `SPOKE_UNAVAILABLE`). */
  spokeName: string | null;
  /** The public id of the caller's API key; null for callers without one. */
  callerKeyId: string | null;
  outcome: CallOutcome;
  /** The `HubError` code when the outcome is not `ok`. */
  errorCode: string | null;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Epoch milliseconds. */
  finishedAt: number;
  /** Size of the call's input, in bytes. */
  inputBytes: number;
  /** Size of the call's output, in bytes (0 when there was none). */
  outputBytes: number;
}

/**
 * The seam the router calls when a call finishes. `record` must be O(1), never throw and never await: the hot
 * path never waits for the database (ARCHITECTURE.md › Stores).
 */
export interface AuditSink {
  record(call: CallRecord): void;
}

/** An `AuditSink` that discards every record (audit off, tests). */
export const noopAudit: AuditSink = Object.freeze({ record: () => {} });

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

/** What `CallAudit` needs; the numeric members mirror the `audit` config section (CONFIG.md). */
export interface CallAuditOptions {
  store: Store;
  log: Logger;
  metrics: MetricsRegistry;
  /** Written to `calls.instance_id` of every row. */
  instanceId: string;
  /** False: `record` does nothing (the retention purge still runs). */
  enabled: boolean;
  /** Rows per multi-row INSERT (capped at `MAX_ROWS_PER_INSERT`); a full batch is written at once. */
  batchSize: number;
  /** Milliseconds between background flushes. */
  flushIntervalMs: number;
  /** Most rows held in memory; records beyond it are dropped and counted. */
  queueLimit: number;
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
