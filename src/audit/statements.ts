import { inArray, lt, sql } from "drizzle-orm";
import { calls, type Database } from "../store/index.ts";
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

/**
 * One multi-row INSERT of `rows`, sent as a single JSON parameter that `json_to_recordset` expands (one
 * `JSON.stringify` instead of 13 bound parameters per row). A row whose id is already there (a retried batch
 * that did commit) is skipped.
 */
export async function insertRows(db: Database, rows: CallRow[], timeoutMs: number): Promise<void> {
  const statement = sql`insert into calls (id, request_id, operation, spoke_name, caller_key_id, outcome,
      error_code, started_at, finished_at, duration_ms, input_bytes, output_bytes, instance_id)
    select r.id, r.request_id, r.operation, r.spoke_name, r.caller_key_id, r.outcome, r.error_code,
      to_timestamp(r.started_at / 1000.0), to_timestamp(r.finished_at / 1000.0), r.duration_ms,
      r.input_bytes, r.output_bytes, r.instance_id
    from json_to_recordset(${JSON.stringify(rows)}::json) as r(id text, request_id text, operation text,
      spoke_name text, caller_key_id text, outcome text, error_code text, started_at float8,
      finished_at float8, duration_ms float8, input_bytes int4, output_bytes int4, instance_id text)
    on conflict (id) do nothing`;
  await withTimeout(db.execute(statement), timeoutMs, "audit INSERT");
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
