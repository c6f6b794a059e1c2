/**
 * Reading the admin audit (`audit_logs`) for operators (`GET /api/v1/audit-logs`): filters and keyset pages,
 * newest first, on (`at`, `id`). `at` is written by the database with microseconds, so the resume position
 * carries it as the exact text Postgres printed, never a JavaScript date (which would round to milliseconds and
 * skip or repeat rows of the same millisecond).
 */
import { and, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import { auditLogs } from "./schema.ts";
import type { Database } from "./types.ts";

/** What `GET /audit-logs` filters on; all given fields must match. */
export interface AuditLogFilter {
  /** The acting key id. */
  actor?: string;
  /** Exact action (`key.create`), or a prefix ending in `.` (`key.`) for a family. */
  action?: string;
  target?: string;
  outcome?: string;
  /** Rows at or after this time. */
  since?: Date;
  /** Rows before this time. */
  until?: Date;
}

/** The keyset position to resume after: `at` as Postgres text and the row id. */
export type AuditLogPageKey = readonly [at: string, id: string];

/** One `audit_logs` row as the admin API shows it. */
export interface AuditLogItem {
  id: string;
  at: string;
  actorKeyId: string | null;
  action: string;
  target: string | null;
  outcome: string;
  address: string | null;
  details: Record<string, unknown>;
}

/** Up to `limit` rows matching `filter`, newest first, after `after` when given. */
export async function queryAuditLogs(
  db: Database,
  filter: AuditLogFilter,
  limit: number,
  after?: AuditLogPageKey,
): Promise<Array<{ item: AuditLogItem; key: AuditLogPageKey }>> {
  const where: SQL[] = [];
  if (filter.actor !== undefined) where.push(eq(auditLogs.actorKeyId, filter.actor));
  if (filter.action !== undefined) {
    where.push(
      filter.action.endsWith(".")
        ? sql`starts_with(${auditLogs.action}, ${filter.action})`
        : eq(auditLogs.action, filter.action),
    );
  }
  if (filter.target !== undefined) where.push(eq(auditLogs.target, filter.target));
  if (filter.outcome !== undefined) where.push(eq(auditLogs.outcome, filter.outcome));
  if (filter.since !== undefined) where.push(gte(auditLogs.at, filter.since));
  if (filter.until !== undefined) where.push(lt(auditLogs.at, filter.until));
  if (after !== undefined) {
    where.push(sql`(${auditLogs.at}, ${auditLogs.id}) < (${after[0]}::timestamptz, ${after[1]})`);
  }
  const rows = await db
    .select({ row: auditLogs, atText: sql<string>`${auditLogs.at}::text` })
    .from(auditLogs)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(auditLogs.at), desc(auditLogs.id))
    .limit(limit);
  return rows.map(({ row, atText }) => ({
    item: {
      id: row.id,
      at: row.at.toISOString(),
      actorKeyId: row.actorKeyId,
      action: row.action,
      target: row.target,
      outcome: row.outcome,
      address: row.address,
      details: row.details,
    },
    key: [atText, row.id],
  }));
}
