import type { CallRow } from "./rows.ts";

/**
 * How the writer encodes rows for its store: COPY text for the embedded store's `COPY … FROM`
 * (`CopyLineWriter`), JSON lines for a Postgres INSERT (`JsonLineWriter`). A batch is held (and spilled) in
 * this form until it is written, so encoding happens once per row.
 */
export interface RowEncoding {
  /** One row as a line of text, newline included. */
  line(row: CallRow): string;
  /** Lines written by `line` back as rows: for writing a refused batch row by row. */
  parse(chunks: readonly string[]): CallRow[];
}
