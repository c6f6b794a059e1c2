import { inArray, lt, sql } from "drizzle-orm";
import { calls, type Database } from "../store/index.ts";
import { JsonRowWriter, jsonArrayOf } from "./json-rows.ts";
import { type CallRow, isRowError } from "./rows.ts";

/**
 * Runs `query` but gives up after `timeoutMs`: postgres.js under Bun can lose a query sent as its socket dies
 * (PITFALLS.md), and a writer waiting on it forever would never write again.
 */
export async function withTimeout<T>(query: PromiseLike<T>, timeoutMs: number, what: string): Promise<T> {
  const running = Promise.resolve(query);
  // A query abandoned here may still reject later; that must not become an unhandled rejection.
  running.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a batch INSERT does with a row whose id is already in the table. */
export type OnDuplicateId = "refuse" | "skip";

/**
 * One multi-row INSERT of the rows in `json` (an array of `JsonRowWriter` rows, `jsonArrayOf`), sent as a
 * single text parameter that `jsonb_array_elements` expands. A duplicate id (a retried batch that did commit)
 * refuses the whole statement (23505) or is skipped, as `duplicates` says.
 *
 * Why this shape (scripts/bench/audit-insert.ts: the backend's CPU per row, 5,000-row batches, Postgres 15):
 * `json` re-parsed each element's text for every one of the 13 `->>` and every row paid for `on conflict`
 * (13.7–15.4 µs); `jsonb` parses it once, and without `on conflict` the insert is not speculative (5.1–5.4 µs).
 * So the first attempt refuses duplicates and only the fallback after a refusal skips them. A COPY costs
 * 3.3–4.3 µs, but postgres.js's COPY stream is unsafe under Bun (docs/operations.md, "Call audit").
 */
export async function insertJsonRows(
  db: Database,
  json: string,
  timeoutMs: number,
  duplicates: OnDuplicateId,
): Promise<void> {
  const statement = sql`insert into calls (id, request_id, operation, spoke_name, caller_key_id, outcome,
      error_code, started_at, finished_at, duration_ms, input_bytes, output_bytes, instance_id)
    select r->>0, r->>1, r->>2, r->>3, r->>4, r->>5, r->>6,
      to_timestamp((r->>7)::float8 / 1000.0), to_timestamp((r->>8)::float8 / 1000.0), (r->>9)::float8,
      (r->>10)::int4, (r->>11)::int4, r->>12
    from jsonb_array_elements(${json}::text::jsonb) as r`;
  if (duplicates === "skip") statement.append(sql` on conflict (id) do nothing`);
  await withTimeout(db.execute(statement), timeoutMs, "audit INSERT");
}

const rowWriter = new JsonRowWriter();

/** `insertJsonRows` for rows held as objects (the fallback after a refused batch): duplicate ids are skipped. */
export async function insertRows(db: Database, rows: readonly CallRow[], timeoutMs: number): Promise<void> {
  let text = "";
  for (const row of rows) text += rowWriter.line(row);
  await insertJsonRows(db, jsonArrayOf([text]), timeoutMs, "skip");
}

/** What `insertOneByOne` did: rows written, rows the database refused, and the error that stopped it, if any. */
export interface OneByOneResult {
  written: number;
  rejected: number;
  firstRejection: unknown;
  /** Set when a row failed for a reason other than its data: the rows from `stoppedAt` on were not tried. */
  failure?: { error: unknown; stoppedAt: number };
}

/**
 * Writes `rows` one at a time after their batch was refused for its data, so one bad row costs only itself.
 * Stops at the first failure that is not about a row's data (the database went away).
 */
export async function insertOneByOne(
  db: Database,
  rows: CallRow[],
  timeoutMs: number,
): Promise<OneByOneResult> {
  const result: OneByOneResult = { written: 0, rejected: 0, firstRejection: undefined };
  for (let i = 0; i < rows.length; i++) {
    try {
      await insertRows(db, [rows[i]!], timeoutMs);
      result.written++;
    } catch (error) {
      if (!isRowError(error)) {
        result.failure = { error, stoppedAt: i };
        return result;
      }
      result.rejected++;
      result.firstRejection ??= error;
    }
  }
  return result;
}

/**
 * Deletes the rows whose `started_at` is before `cutoff`, `batchRows` per statement (each one short, through
 * the `started_at` index), until none is left. Returns how many were deleted.
 */
export async function deleteCallsBefore(
  db: Database,
  cutoff: Date,
  batchRows: number,
  timeoutMs: number,
): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = db
      .select({ id: calls.id })
      .from(calls)
      .where(lt(calls.startedAt, cutoff))
      .limit(batchRows);
    const deleted = await withTimeout(
      db.delete(calls).where(inArray(calls.id, expired)).returning({ id: calls.id }),
      timeoutMs,
      "audit purge DELETE",
    );
    total += deleted.length;
    if (deleted.length < batchRows) return total;
  }
}
