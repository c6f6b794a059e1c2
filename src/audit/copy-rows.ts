import type { CallOutcome } from "../router/index.ts";
import type { CallRow } from "./rows.ts";

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
const NEEDS_ESCAPE = /[\\\t\n\r]/;

/**
 * Encodes rows as lines of Postgres's COPY text format (tab-separated, `\N` for NULL, backslash escapes),
 * timestamps as ISO 8601 UTC. The rows are already storable (`toCallRow`), so the database has nothing to
 * refuse but what only it can check (the outcome constraint, a duplicate id from a retried batch).
 */
export class CopyLineWriter {
  /** The second (epoch s) whose ISO prefix is cached, and the prefix: most rows of a batch share it. */
  #second = Number.NaN;
  #prefix = "";

  /** One row as a line, its newline included: a batch is its rows' lines joined as they are. */
  line(row: CallRow): string {
    return `${row.id}\t${text(row.request_id)}\t${text(row.operation)}\t${text(row.spoke_name)}\t${text(
      row.caller_key_id,
    )}\t${text(row.outcome)}\t${text(row.error_code)}\t${this.#time(row.started_at)}\t${
      row.finished_at === null ? NULL : this.#time(row.finished_at)
    }\t${num(row.duration_ms)}\t${num(row.input_bytes)}\t${num(row.output_bytes)}\t${text(row.instance_id)}\n`;
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

function text(value: string | null): string {
  if (value === null) return NULL;
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

function num(value: number | null): string {
  return value === null ? NULL : String(value);
}

/**
 * The rows of COPY text written by `CopyLineWriter`, back as `CallRow`s: the writer falls back to INSERTs
 * (which can skip duplicates and drop a single bad row) when the database refuses a COPY.
 */
export function parseCopyLines(chunks: readonly string[]): CallRow[] {
  const rows: CallRow[] = [];
  for (const chunk of chunks) {
    for (const line of chunk.split("\n")) {
      if (line === "") continue;
      const f = line.split("\t").map(unescapeField);
      rows.push({
        id: f[0]!,
        request_id: f[1] ?? "",
        operation: f[2] ?? "",
        spoke_name: f[3] ?? null,
        caller_key_id: f[4] ?? null,
        outcome: f[5] as CallOutcome,
        error_code: f[6] ?? null,
        started_at: Date.parse(f[7]!),
        finished_at: f[8] == null ? null : Date.parse(f[8]),
        duration_ms: f[9] == null ? null : Number(f[9]),
        input_bytes: f[10] == null ? null : Number(f[10]),
        output_bytes: f[11] == null ? null : Number(f[11]),
        instance_id: f[12] ?? "",
      });
    }
  }
  return rows;
}

function unescapeField(field: string): string | null {
  if (field === NULL) return null;
  if (!field.includes("\\")) return field;
  return field.replace(/\\(.)/g, (_, c: string) =>
    c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c,
  );
}
