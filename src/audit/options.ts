import { ConfigError } from "../errors.ts";
import {
  type CallAuditOptions,
  DEFAULT_PURGE_BATCH_ROWS,
  DEFAULT_PURGE_INTERVAL_MS,
  DEFAULT_SPILL_MAX_BYTES,
  DEFAULT_STOP_TIMEOUT_MS,
  DEFAULT_WRITE_TIMEOUT_MS,
  MAX_ROWS_PER_INSERT,
} from "./types.ts";

/** Longest delay a timer can take (a larger one fires at once). */
const MAX_TIMER_MS = 2_147_483_647;

/** The options with every default filled in and every number checked. */
export interface ResolvedAuditOptions {
  batchSize: number;
  flushIntervalMs: number;
  queueLimit: number;
  spillMaxBytes: number;
  retentionDays: number;
  purgeIntervalMs: number;
  purgeBatchRows: number;
  writeTimeoutMs: number;
  stopTimeoutMs: number;
}

/**
 * Checks the numeric options and fills in defaults. Throws `ConfigError` naming the `audit` member at fault;
 * `batchSize` above `MAX_ROWS_PER_INSERT` is capped, not refused.
 */
export function resolveAuditOptions(options: CallAuditOptions): ResolvedAuditOptions {
  if (typeof options.instanceId !== "string" || options.instanceId === "") {
    throw new ConfigError("audit: instanceId must be a non-empty string");
  }
  return {
    batchSize: Math.min(
      integer("batchSize", options.batchSize, Number.MAX_SAFE_INTEGER),
      MAX_ROWS_PER_INSERT,
    ),
    flushIntervalMs: integer("flushIntervalMs", options.flushIntervalMs, MAX_TIMER_MS),
    queueLimit: integer("queueLimit", options.queueLimit, Number.MAX_SAFE_INTEGER),
    spillMaxBytes: integer(
      "spillMaxBytes",
      options.spillMaxBytes ?? DEFAULT_SPILL_MAX_BYTES,
      Number.MAX_SAFE_INTEGER,
    ),
    retentionDays: positive("retentionDays", options.retentionDays),
    purgeIntervalMs: integer(
      "purgeIntervalMs",
      options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS,
      MAX_TIMER_MS,
    ),
    purgeBatchRows: integer("purgeBatchRows", options.purgeBatchRows ?? DEFAULT_PURGE_BATCH_ROWS, 1_000_000),
    writeTimeoutMs: integer(
      "writeTimeoutMs",
      options.writeTimeoutMs ?? DEFAULT_WRITE_TIMEOUT_MS,
      MAX_TIMER_MS,
    ),
    stopTimeoutMs: integer("stopTimeoutMs", options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, MAX_TIMER_MS),
  };
}

function integer(name: string, value: unknown, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`audit.${name} must be an integer from 1 to ${max} (got ${String(value)})`, {
      path: `/audit/${name}`,
    });
  }
  return value;
}

function positive(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`audit.${name} must be a positive number (got ${String(value)})`, {
      path: `/audit/${name}`,
    });
  }
  return value;
}
