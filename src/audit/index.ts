/**
 * The call audit: one `calls` row per finished call, queued in memory on the hot path and written in batches
 * off it (ARCHITECTURE.md › Stores). The router sees only the `AuditSink` seam.
 */

export { type AuditActor, writeAuditRow } from "../store/index.ts";
export { CallAudit } from "./call-audit.ts";
export { type CallFilter, type CallItem, type CallPageKey, queryCalls } from "./call-queries.ts";
export {
  type AuditSink,
  type CallAuditOptions,
  type CallOutcome,
  type CallRecord,
  DEFAULT_PURGE_BATCH_ROWS,
  DEFAULT_PURGE_INTERVAL_MS,
  DEFAULT_SPILL_MAX_BYTES,
  DEFAULT_STOP_TIMEOUT_MS,
  DEFAULT_WRITE_TIMEOUT_MS,
  MAX_ROWS_PER_INSERT,
} from "./types.ts";
