import type { calls } from "../store/index.ts";
import type { CallRecord } from "./types.ts";

/** One `calls` row as it is inserted. */
export type CallRow = typeof calls.$inferInsert;

const MAX_INT4 = 2_147_483_647;
/** The largest epoch-ms magnitude a JS `Date` can hold. */
const MAX_DATE_MS = 8.64e15;

/**
 * Turns a record into a row. Runs at flush time, off the hot path. The id is made here, not by the database, so
 * a batch retried after a timed-out write that did commit inserts nothing twice (ON CONFLICT DO NOTHING).
 * Values Postgres would reject (NUL in text, sizes past int4, dates out of range) are made storable instead of
 * failing the whole batch.
 */
export function toCallRow(record: CallRecord, instanceId: string): CallRow {
  const finished = validMs(record.finishedAt);
  const started = validMs(record.startedAt) ?? finished ?? Date.now();
  return {
    id: crypto.randomUUID(),
    requestId: storable(record.requestId) ?? "",
    operation: storable(record.operation) ?? "",
    spokeName: storable(record.spokeName),
    callerKeyId: storable(record.callerKeyId),
    outcome: record.outcome,
    errorCode: storable(record.errorCode),
    startedAt: new Date(started),
    finishedAt: finished === null ? null : new Date(finished),
    durationMs: finished === null ? null : finished - started,
    inputBytes: int4(record.inputBytes),
    outputBytes: int4(record.outputBytes),
    instanceId,
  };
}

function validMs(value: number): number | null {
  return Number.isFinite(value) && Math.abs(value) <= MAX_DATE_MS ? value : null;
}

function storable(value: string | null | undefined): string | null {
  if (typeof value !== "string") return null;
  // Postgres text cannot hold NUL; one such value would otherwise fail its whole batch.
  return value.includes("\0") ? value.replaceAll("\0", "") : value;
}

function int4(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  return Math.min(Math.max(Math.trunc(value), 0), MAX_INT4);
}

/**
 * The SQLSTATE of a driver error, looked up through `cause` chains (Drizzle wraps driver errors in
 * `DrizzleQueryError`); undefined for connection failures, which carry no SQLSTATE.
 */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * True when the database refused the data itself (SQLSTATE class 22 data exception or 23 integrity violation):
 * retrying the same rows cannot help, so they are written one by one and the bad ones dropped.
 */
export function isRowError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && (state.startsWith("22") || state.startsWith("23"));
}

/**
 * A short reason for a log line: the driver's own message, not Drizzle's wrapper, whose message repeats the
 * whole statement with every parameter of the batch.
 */
export function reasonOf(error: unknown): string {
  let e = error;
  while (e instanceof Error && "query" in e && e.cause !== undefined) e = e.cause;
  const text = e instanceof Error ? e.message || e.name : String(e);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
