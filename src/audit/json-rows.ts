import type { CallOutcome } from "../router/index.ts";
import type { RowEncoding } from "./row-encoding.ts";
import type { CallRow } from "./rows.ts";

/**
 * Encodes rows as JSON arrays, one per line, in `CALL_COLUMNS` order with timestamps as epoch milliseconds:
 * the text a Postgres batch INSERT reads with `jsonb_array_elements` (`insertJsonRows`). Written straight from
 * each row as the ring is drained, so a Postgres batch costs the hub one encoding pass — before, the rows were
 * written as COPY text, parsed back into objects and stringified again for every batch (issue #11).
 */
export class JsonLineWriter implements RowEncoding {
  line(row: CallRow): string {
    return `[${quote(row.id)},${quote(row.request_id)},${quote(row.operation)},${quote(row.spoke_name)},${quote(
      row.caller_key_id,
    )},${quote(row.outcome)},${quote(row.error_code)},${row.started_at},${num(row.finished_at)},${num(
      row.duration_ms,
    )},${num(row.input_bytes)},${num(row.output_bytes)},${quote(row.instance_id)}]\n`;
  }

  parse(chunks: readonly string[]): CallRow[] {
    const rows: CallRow[] = [];
    for (const chunk of chunks) {
      for (const line of chunk.split("\n")) {
        if (line === "") continue;
        const f = JSON.parse(line) as [
          string,
          string,
          string,
          string | null,
          string | null,
          CallOutcome,
          string | null,
          number,
          number | null,
          number | null,
          number | null,
          number | null,
          string,
        ];
        rows.push({
          id: f[0],
          request_id: f[1],
          operation: f[2],
          spoke_name: f[3],
          caller_key_id: f[4],
          outcome: f[5],
          error_code: f[6],
          started_at: f[7],
          finished_at: f[8],
          duration_ms: f[9],
          input_bytes: f[10],
          output_bytes: f[11],
          instance_id: f[12],
        });
      }
    }
    return rows;
  }
}

/** Lines written by `JsonLineWriter` as one JSON array (a raw newline never occurs inside a JSON value). */
export function jsonArrayOf(chunks: readonly string[]): string {
  const text = chunks.join("");
  return `[${text.slice(0, text.length - 1).replaceAll("\n", ",")}]`;
}

/** Text that needs no JSON escaping: no quote, backslash or control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what JSON must escape.
const PLAIN = /^[^"\\\u0000-\u001f]*$/;

function quote(value: string | null): string {
  if (value === null) return "null";
  // Most values are ids and names that need no escaping; the rest go through the engine's own encoder.
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

function num(value: number | null): string {
  return value === null ? "null" : String(value);
}
