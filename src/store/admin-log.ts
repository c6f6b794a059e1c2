/**
 * The admin audit's row writer: one `audit_logs` row per change an operator makes (keys, secrets), with its
 * actor. It lives beside the table rather than in audit/ (which re-exports it) so that auth/ can write these rows
 * without depending on the call audit, which depends on the router (no module cycle: src/module-graph.test.ts).
 */
import { auditLogs } from "./schema.ts";
import type { Database } from "./types.ts";

/** Who made a change, as far as the caller knows: the acting key and the client address. */
export interface AuditActor {
  keyId?: string;
  address?: string;
}

/** Writes one audit_logs row. `db` may be a transaction. */
export async function writeAuditRow(
  db: Pick<Database, "insert">,
  row: { action: string; target: string | null; outcome: string; actor?: AuditActor; details?: object },
): Promise<void> {
  await db.insert(auditLogs).values({
    action: row.action,
    target: row.target,
    outcome: row.outcome,
    actorKeyId: row.actor?.keyId ?? null,
    address: row.actor?.address ?? null,
    details: { ...row.details },
  });
}
