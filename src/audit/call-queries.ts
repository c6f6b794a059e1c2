/**
 * Reading the `calls` table for operators (`GET /api/v1/calls`): filters and keyset pages, newest first. The
 * sort key is (`started_at`, `id`); a page resumes strictly after the last row of the previous one, with the
 * timestamp compared as the exact text Postgres printed (no millisecond rounding), so no row is skipped or
 * repeated even when many calls share a millisecond. Served by `calls_started_at_idx` on both backends.
 */
import { and, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import { calls, type Database } from "../store/index.ts";
import type { CallOutcome } from "./types.ts";

/** What `GET /calls` filters on; every field optional, all given ones must match. */
export interface CallFilter {
  /** Full published operation name. */
  operation?: string;
  spoke?: string;
  /** The caller's key id. */
  key?: string;
  outcome?: CallOutcome;
  /** Calls that started at or after this time. */
  since?: Date;
  /** Calls that started before this time. */
  until?: Date;
}

/** The keyset position to resume after: `started_at` as Postgres text and the row id. */
export type CallPageKey = readonly [startedAt: string, id: string];

/** One `calls` row as the admin API shows it (times ISO 8601), with its keyset position. */
export interface CallItem {
  id: string;
  requestId: string;
  operation: string;
  spoke: string | null;
  callerKeyId: string | null;
  outcome: CallOutcome;
  errorCode: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  inputBytes: number | null;
  outputBytes: number | null;
  instanceId: string | null;
}

/**
 * Up to `limit` calls matching `filter`, newest first, after `after` when given. Callers ask for one more
 * than they show to learn whether another page follows.
 */
export async function queryCalls(
  db: Database,
  filter: CallFilter,
  limit: number,
  after?: CallPageKey,
): Promise<Array<{ item: CallItem; key: CallPageKey }>> {
  const where: SQL[] = [];
  if (filter.operation !== undefined) where.push(eq(calls.operation, filter.operation));
  if (filter.spoke !== undefined) where.push(eq(calls.spokeName, filter.spoke));
  if (filter.key !== undefined) where.push(eq(calls.callerKeyId, filter.key));
  if (filter.outcome !== undefined) where.push(eq(calls.outcome, filter.outcome));
  if (filter.since !== undefined) where.push(gte(calls.startedAt, filter.since));
  if (filter.until !== undefined) where.push(lt(calls.startedAt, filter.until));
  if (after !== undefined) {
    where.push(sql`(${calls.startedAt}, ${calls.id}) < (${after[0]}::timestamptz, ${after[1]})`);
  }
  const rows = await db
    .select({ row: calls, startedAtText: sql<string>`${calls.startedAt}::text` })
    .from(calls)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(calls.startedAt), desc(calls.id))
    .limit(limit);
  return rows.map(({ row, startedAtText }) => ({
    item: {
      id: row.id,
      requestId: row.requestId,
      operation: row.operation,
      spoke: row.spokeName,
      callerKeyId: row.callerKeyId,
      outcome: row.outcome,
      errorCode: row.errorCode,
      startedAt: row.startedAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      durationMs: row.durationMs,
      inputBytes: row.inputBytes,
      outputBytes: row.outputBytes,
      instanceId: row.instanceId,
    },
    key: [startedAtText, row.id],
  }));
}
