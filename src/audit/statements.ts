import { inArray, lt, sql } from "drizzle-orm";
import { calls, type Database, isRowError } from "../store/index.ts";
import { CALL_COLUMNS } from "./copy-rows.ts";

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
 * A text column of a COPY line (`f[i]`, 1-based) as its value: most values need no unescaping and are taken as
 * they are; `\N` is NULL; the rest are split on the escaped backslash, each part's `\t`, `\n`, `\r` turned back
 * into the character, and joined with a single backslash. (A `\\` match always starts at an escape's first
 * character, because the only escape that ends in a backslash is `\\` itself.)
 */
function textField(i: number): string {
  const f = `f[${i}]`;
  return `case when strpos(${f}, '\\') = 0 then ${f} when ${f} = '\\N' then null
    else array_to_string(array(select replace(replace(replace(p, '\\t', E'\\t'), '\\n', E'\\n'), '\\r', E'\\r')
      from unnest(string_to_array(${f}, '\\\\')) with ordinality as u(p, o) order by o), '\\') end`;
}

/** A column of a COPY line that is never text: `\N` is NULL, anything else goes through `cast`. */
function valueField(i: number, cast: string): string {
  return `nullif(f[${i}], '\\N')::${cast}`;
}

/**
 * The INSERT that reads COPY text lines (`CopyLineWriter`, columns in `CALL_COLUMNS` order) sent as one text
 * parameter, split into lines and fields by Postgres's own string functions, skipping ids already in the table:
 * the text before and after the parameter.
 */
const INSERT_LINES_HEAD = sql.raw(`insert into calls (${CALL_COLUMNS.join(", ")})
  select f[1], ${textField(2)}, ${textField(3)}, ${textField(4)}, ${textField(5)}, f[6], ${textField(7)},
    ${valueField(8, "timestamptz")}, ${valueField(9, "timestamptz")}, ${valueField(10, "float8")},
    ${valueField(11, "int4")}, ${valueField(12, "int4")}, ${textField(13)}
  from string_to_table(`);
const INSERT_LINES_TAIL = sql.raw(
  `::text, E'\\n') as l, string_to_array(l, E'\\t') as f where l <> '' on conflict (id) do nothing`,
);

/**
 * One multi-row INSERT of `lines` (COPY text lines as `CopyLineWriter` writes them), skipping ids already in the
 * table: the writer's fallback after a COPY was refused, whether for a duplicate id (a retry of a batch whose
 * write did commit) or, one line at a time, for a row's data. A COPY cannot skip anything, and `on conflict`
 * makes every row's insert speculative, so batches go by COPY and only what it refused comes here.
 */
export async function insertCopyLines(db: Database, lines: string, timeoutMs: number): Promise<void> {
  await withTimeout(
    db.execute(sql`${INSERT_LINES_HEAD}${lines}${INSERT_LINES_TAIL}`),
    timeoutMs,
    "audit INSERT",
  );
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
 * Writes `lines` (COPY text lines, without their newlines) one at a time after their batch was refused for its
 * data, so one bad row costs only itself; ids already written are skipped. Stops at the first failure that is
 * not about a row's data (the database went away).
 */
export async function insertOneByOne(
  db: Database,
  lines: readonly string[],
  timeoutMs: number,
): Promise<OneByOneResult> {
  const result: OneByOneResult = { written: 0, rejected: 0, firstRejection: undefined };
  for (let i = 0; i < lines.length; i++) {
    try {
      await insertCopyLines(db, lines[i]!, timeoutMs);
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
