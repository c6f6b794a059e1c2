import type { CallRecord } from "../router/index.ts";
import { CallIdSource } from "./call-ids.ts";

/** The `calls` columns a COPY names, in the order every line carries them. */
export const CALL_COLUMNS = [
  "id",
  "request_id",
  "operation",
  "spoke_name",
  "caller_key_id",
  "outcome",
  "error_code",
  "started_at",
  "finished_at",
  "duration_ms",
  "input_bytes",
  "output_bytes",
  "instance_id",
] as const;

/** COPY's text format marks NULL with this. */
const NULL = "\\N";
const MAX_INT4 = 2_147_483_647;
/** Epoch ms of 0000-01-01 and of the last ms of 9999: the span an ISO timestamp with a 4-digit year can say. */
const MIN_DATE_MS = -62_167_219_200_000;
const MAX_DATE_MS = 253_402_300_799_999;

/**
 * Encodes finished calls as lines of Postgres's COPY text format (tab-separated, `\N` for NULL, backslash
 * escapes), timestamps as ISO 8601 UTC, straight from the record the audit's ring hands out: no row object in
 * between. Both stores COPY these lines (`Store.copyFrom`); the fallback after a refused COPY, an INSERT that
 * skips duplicate ids, splits the same text (`insertCopyLines`).
 *
 * Values Postgres would refuse (NUL or lone surrogates in text, sizes past int4, non-finite times) are made
 * storable instead of failing the whole batch, so the database has nothing to refuse but what only it can
 * check (the outcome constraint, a duplicate id from a retried batch). The id is made here, not by the
 * database, so a batch retried after a timed-out write that did commit inserts nothing twice.
 */
export class CopyLineWriter {
  readonly #ids = new CallIdSource();
  /** The second (epoch s) whose ISO prefix is cached, and the prefix: most rows of a batch share it. */
  #second = Number.NaN;
  #prefix = "";

  /** `call` as one line, its newline included: a batch is its rows' lines joined as they are. */
  line(call: Readonly<CallRecord>, instanceId: string): string {
    const finished = validMs(call.finishedAt);
    const started = validMs(call.startedAt) ?? finished ?? Date.now();
    // The id is time-ordered (UUIDv7): an append-only log's new rows land at the right edge of the
    // primary-key index instead of all over it.
    return `${this.#ids.next()}\t${required(call.requestId)}\t${required(call.operation)}\t${text(
      call.spokeName,
    )}\t${text(call.callerKeyId)}\t${call.outcome}\t${text(call.errorCode)}\t${this.#time(started)}\t${
      finished === null ? NULL : this.#time(finished)
    }\t${finished === null ? NULL : finished - started}\t${int4(call.inputBytes)}\t${int4(
      call.outputBytes,
    )}\t${text(instanceId)}\n`;
  }

  #time(ms: number): string {
    const whole = Math.floor(ms);
    const second = Math.floor(whole / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#prefix = new Date(second * 1000).toISOString().slice(0, 19);
    }
    const milli = whole - second * 1000;
    return `${this.#prefix}.${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
  }
}

/**
 * A text field: NULL for anything but a string; otherwise the string as it is unless it holds a character
 * COPY must escape (backslash, tab, newline, carriage return) or Postgres text cannot hold (NUL, a lone
 * surrogate) — one scan of the common, plain value.
 */
function text(value: string | null | undefined): string {
  if (typeof value !== "string") return NULL;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 13 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return storable(value);
  }
  return value;
}

/** A text field of a NOT NULL column: the empty string for anything but a string. */
function required(value: string): string {
  return typeof value === "string" ? text(value) : "";
}

function storable(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.replace(/[\0\\\t\n\r]/g, (c) =>
    c === "\0" ? "" : c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

function validMs(value: number): number | null {
  return Number.isFinite(value) && value >= MIN_DATE_MS && value <= MAX_DATE_MS ? value : null;
}

function int4(value: number): number | string {
  if (!Number.isFinite(value)) return NULL;
  return Math.min(Math.max(Math.trunc(value), 0), MAX_INT4);
}
