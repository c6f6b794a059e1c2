import type { CallOutcome, CallRecord } from "../router/index.ts";

/**
 * One `calls` row with column names as keys and timestamps as epoch milliseconds: what the writer encodes
 * (`CopyLineWriter`) and what its fallback parses back when a batch was refused (`parseCopyLines`).
 */
export interface CallRow {
  id: string;
  request_id: string;
  operation: string;
  spoke_name: string | null;
  caller_key_id: string | null;
  outcome: CallOutcome;
  error_code: string | null;
  /** Epoch ms. */
  started_at: number;
  /** Epoch ms. */
  finished_at: number | null;
  duration_ms: number | null;
  input_bytes: number | null;
  output_bytes: number | null;
  instance_id: string;
}

const MAX_INT4 = 2_147_483_647;
/** Epoch ms of 0000-01-01 and of the last ms of 9999: the span an ISO timestamp with a 4-digit year can say. */
const MIN_DATE_MS = -62_167_219_200_000;
const MAX_DATE_MS = 253_402_300_799_999;

/**
 * Turns a record into a row. Runs at flush time, off the hot path. The id is made here, not by the database, so
 * a batch retried after a timed-out write that did commit inserts nothing twice (ON CONFLICT DO NOTHING).
 * Values Postgres would refuse (NUL or lone surrogates in text, sizes past int4, non-finite times) are made
 * storable instead of failing the whole batch.
 */
export function toCallRow(record: Readonly<CallRecord>, instanceId: string): CallRow {
  const finished = validMs(record.finishedAt);
  const started = validMs(record.startedAt) ?? finished ?? Date.now();
  return {
    // Time-ordered (UUIDv7): an append-only log's new rows land at the right edge of the primary-key index
    // instead of all over it.
    id: Bun.randomUUIDv7(),
    request_id: storable(record.requestId) ?? "",
    operation: storable(record.operation) ?? "",
    spoke_name: storable(record.spokeName),
    caller_key_id: storable(record.callerKeyId),
    outcome: record.outcome,
    error_code: storable(record.errorCode),
    started_at: started,
    finished_at: finished,
    duration_ms: finished === null ? null : finished - started,
    input_bytes: int4(record.inputBytes),
    output_bytes: int4(record.outputBytes),
    instance_id: instanceId,
  };
}

function validMs(value: number): number | null {
  return Number.isFinite(value) && value >= MIN_DATE_MS && value <= MAX_DATE_MS ? value : null;
}

function storable(value: string | null | undefined): string | null {
  if (typeof value !== "string") return null;
  // Postgres text holds neither NUL nor a lone surrogate; one such value would fail its whole batch.
  const text = value.isWellFormed() ? value : value.toWellFormed();
  return text.includes("\0") ? text.replaceAll("\0", "") : text;
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
