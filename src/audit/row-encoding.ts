import type { CallRow } from "./rows.ts";

/**
 * How the writer encodes rows for its store: COPY text for the embedded store's `COPY … FROM`
 * (`CopyLineWriter`), JSON arrays for a Postgres INSERT (`JsonRowWriter`). A batch is held (and spilled) in
 * this form until it is written, so encoding happens once per row.
 */
export interface RowEncoding {
  /** One row as text, separator included: a batch is its rows' texts joined as they are. */
  line(row: CallRow): string;
  /** Rows written by `line` back as rows: for writing a refused batch row by row. */
  parse(chunks: readonly string[]): CallRow[];
}
