/**
 * The catalog's rows in the `spokes` and `operations` tables. The connection id and `maxConcurrency` have no
 * columns of their own and live in `spokes.metadata` (`connectionId`, `maxConcurrency`).
 */
import { and, asc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { HubError, type OperationSpec, type Visibility } from "../protocol/index.ts";
import { type AuditActor, type Database, operations, spokes, writeAuditRow } from "../store/index.ts";
import type { SpokeRegistration } from "./types.ts";

/** A `spokes` row as the catalog reads it. */
export type SpokeRow = typeof spokes.$inferSelect;
type OperationRow = typeof operations.$inferSelect;

/** One spoke row with its operations, decoded back into specs. */
export interface StoredSpoke {
  row: SpokeRow;
  specs: OperationSpec[];
}

/** What the catalog keeps in `spokes.metadata`. */
export interface SpokeMetadata {
  connectionId?: string;
  maxConcurrency?: number;
}

/** Reads the catalog's fields from `spokes.metadata`, ignoring anything malformed. */
export function spokeMetadata(row: SpokeRow): SpokeMetadata {
  const out: SpokeMetadata = {};
  const { connectionId, maxConcurrency } = row.metadata ?? {};
  if (typeof connectionId === "string") out.connectionId = connectionId;
  if (typeof maxConcurrency === "number") out.maxConcurrency = maxConcurrency;
  return out;
}

/** `public` unless the row says `owner`: an unknown value never widens who sees a spoke. */
export function rowVisibility(row: SpokeRow): Visibility {
  return row.visibility === "public" ? "public" : "owner";
}

/** One registration to write; `keepOperations` leaves the spoke's operation rows as they are. */
export interface RegistrationWrite {
  reg: SpokeRegistration;
  keepOperations?: boolean;
}

/**
 * Upserts the spoke row by name (online, held by `reg.connectionId` on `reg.instanceId`) and replaces its
 * operation rows, in one transaction: readers see the old set or the new one, never both or neither.
 */
export async function saveRegistration(
  db: Database,
  reg: SpokeRegistration,
  now: Date,
  options: { keepOperations?: boolean } = {},
): Promise<SpokeRow> {
  const [row] = await saveRegistrations(db, [{ reg, keepOperations: options.keepOperations }], now);
  return row!;
}

/**
 * `saveRegistration` for many spokes of distinct names in one transaction: one multi-row upsert of the spoke
 * rows, one delete and one insert of the operation sets that are replaced. Returns the rows in input order.
 */
export async function saveRegistrations(
  db: Database,
  writes: readonly RegistrationWrite[],
  now: Date,
): Promise<SpokeRow[]> {
  return db.transaction(async (tx) => {
    const upserted = await tx
      .insert(spokes)
      .values(writes.map(({ reg }) => spokeRowOf(reg, now)))
      .onConflictDoUpdate({
        target: spokes.name,
        set: {
          accountId: sql`excluded.account_id`,
          keyId: sql`excluded.key_id`,
          kind: sql`excluded.kind`,
          version: sql`excluded.version`,
          hostInfo: sql`excluded.host_info`,
          visibility: sql`excluded.visibility`,
          status: sql`excluded.status`,
          instanceId: sql`excluded.instance_id`,
          connectedAt: sql`excluded.connected_at`,
          disconnectedAt: sql`excluded.disconnected_at`,
          lastHeartbeatAt: sql`excluded.last_heartbeat_at`,
          updatedAt: now,
          // Merge: other writers may keep their own keys in metadata.
          metadata: sql`${spokes.metadata} || excluded.metadata`,
        },
        // A name an operator disabled is never taken by a registration, whatever the in-memory index said.
        setWhere: isNull(spokes.disabledAt),
      })
      .returning();
    const byName = new Map(upserted.map((row) => [row.name, row]));
    const rows = writes.map(({ reg }) => {
      const row = byName.get(reg.name);
      if (!row) throw spokeDisabledError(reg.name);
      return row;
    });
    const replaced = writes.filter((write) => !write.keepOperations);
    if (replaced.length > 0) {
      const ids = replaced.map(({ reg }) => byName.get(reg.name)!.id);
      await tx.delete(operations).where(inArray(operations.spokeId, ids));
      await insertOperations(
        tx,
        replaced.map(({ reg }) => ({ spokeId: byName.get(reg.name)!.id, reg })),
      );
    }
    return rows;
  });
}

/**
 * The refusal of a registration under a disabled name: `ACCESS_DENIED` (final for the SDK: a disabled spoke
 * stops reconnecting) with `details.reason` `SPOKE_DISABLED` so clients can tell it from a key's missing rights.
 */
export function spokeDisabledError(name: string): HubError {
  return new HubError(
    "ACCESS_DENIED",
    `spoke name "${name}" is disabled by an operator (POST /api/v1/spokes/${name}/enable allows it again)`,
    { details: { reason: "SPOKE_DISABLED", spoke: name } },
  );
}

/**
 * Sets or clears `disabled_at` of spoke `name` and writes the admin audit row (`spoke.disable` or
 * `spoke.enable`, with `actor`) in the same transaction; returns the updated row, or `undefined` when no spoke
 * of that name was ever stored (nothing is written then). Disabling an already disabled name keeps its first time.
 */
export async function saveDisabled(
  db: Database,
  name: string,
  disabled: boolean,
  now: Date,
  actor: AuditActor = {},
): Promise<SpokeRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(spokes)
      .set({
        disabledAt: disabled ? sql`coalesce(${spokes.disabledAt}, ${now.toISOString()}::timestamptz)` : null,
        updatedAt: now,
      })
      .where(eq(spokes.name, name))
      .returning();
    if (row) {
      await writeAuditRow(tx, {
        action: disabled ? "spoke.disable" : "spoke.enable",
        target: name,
        outcome: "ok",
        actor,
      });
    }
    return row;
  });
}

/** The `spokes` row a registration writes: online now, with the catalog's fields in metadata. */
function spokeRowOf(reg: SpokeRegistration, now: Date) {
  return {
    name: reg.name,
    accountId: reg.accountId,
    keyId: reg.keyId,
    kind: reg.kind ?? null,
    version: reg.version ?? null,
    hostInfo: reg.hostInfo ?? {},
    visibility: reg.visibility,
    status: "online" as const,
    instanceId: reg.instanceId,
    connectedAt: now,
    disconnectedAt: null,
    lastHeartbeatAt: now,
    metadata: { connectionId: reg.connectionId, maxConcurrency: reg.maxConcurrency ?? null },
  };
}

/**
 * Marks the spoke offline only if `connectionId` on `instanceId` still holds it. Returns the updated row, or
 * `undefined` when another connection (or instance) took the name meanwhile.
 */
export async function saveOffline(
  db: Database,
  name: string,
  instanceId: string,
  connectionId: string,
  now: Date,
): Promise<SpokeRow | undefined> {
  const [row] = await db
    .update(spokes)
    .set({ status: "offline", disconnectedAt: now, updatedAt: now })
    .where(
      and(
        eq(spokes.name, name),
        eq(spokes.status, "online"),
        eq(spokes.instanceId, instanceId),
        sql`${spokes.metadata}->>'connectionId' = ${connectionId}`,
      ),
    )
    .returning();
  return row;
}

/** Records one heartbeat time for the online spokes in `names` that this instance holds. */
export async function saveHeartbeats(
  db: Database,
  names: readonly string[],
  instanceId: string,
  at: Date,
): Promise<void> {
  if (names.length === 0) return;
  await db
    .update(spokes)
    .set({ lastHeartbeatAt: at })
    .where(
      and(inArray(spokes.name, [...names]), eq(spokes.instanceId, instanceId), eq(spokes.status, "online")),
    );
}

/** Every stored spoke with its operations. */
export async function loadAllSpokes(db: Database): Promise<StoredSpoke[]> {
  const rows = await db.select().from(spokes).orderBy(asc(spokes.name));
  const opRows = await db.select().from(operations).orderBy(asc(operations.name));
  const bySpoke = new Map<string, OperationSpec[]>();
  for (const op of opRows) {
    const list = bySpoke.get(op.spokeId) ?? [];
    list.push(specOf(op));
    bySpoke.set(op.spokeId, list);
  }
  return rows.map((row) => ({ row, specs: bySpoke.get(row.id) ?? [] }));
}

/** One stored spoke by name, or `undefined` when there is no such row. */
export async function loadSpoke(db: Database, name: string): Promise<StoredSpoke | undefined> {
  const [row] = await db.select().from(spokes).where(eq(spokes.name, name));
  if (!row) return undefined;
  const opRows = await db
    .select()
    .from(operations)
    .where(eq(operations.spokeId, row.id))
    .orderBy(asc(operations.name));
  return { row, specs: opRows.map(specOf) };
}

/** The row of spoke `name` alone (no operations), or `undefined` when there is no such row. */
export async function loadSpokeRow(db: Database, name: string): Promise<SpokeRow | undefined> {
  const [row] = await db.select().from(spokes).where(eq(spokes.name, name));
  return row;
}

/**
 * Deletes the spokes offline since before `cutoff` (their operations go with them, by cascade); returns their
 * names. Every instance may run it: a row another instance deleted first is simply not returned again.
 */
export async function deleteOfflineSince(db: Database, cutoff: Date): Promise<string[]> {
  const rows = await db
    .delete(spokes)
    // A disabled name is kept: pruning it would forget that an operator disabled it.
    .where(and(eq(spokes.status, "offline"), lt(spokes.disconnectedAt, cutoff), isNull(spokes.disabledAt)))
    .returning({ name: spokes.name });
  return rows.map((row) => row.name);
}

/** An operation row back into the spec it was registered with (empty tags and annotations read as absent). */
function specOf(row: OperationRow): OperationSpec {
  const spec: OperationSpec = {
    name: row.localName,
    type: row.type as OperationSpec["type"],
    description: row.description ?? "",
    inputSchema: row.inputSchema,
  };
  if (row.title !== null) spec.title = row.title;
  if (row.tags.length > 0) spec.tags = row.tags;
  if (row.outputSchema !== null) spec.outputSchema = row.outputSchema;
  if (Object.keys(row.annotations).length > 0) spec.annotations = row.annotations;
  if (row.version !== null) spec.version = row.version;
  return spec;
}

/**
 * Marks every spoke row still `online` offline. Only a sole instance may do this at start: no other instance
 * can hold a connection, so such rows are left over from a crash.
 */
export async function saveAllOffline(db: Database, now: Date): Promise<number> {
  const rows = await db
    .update(spokes)
    .set({ status: "offline", disconnectedAt: now, updatedAt: now })
    .where(eq(spokes.status, "online"))
    .returning({ name: spokes.name });
  return rows.length;
}

/**
 * Inserts a spoke's operation set in one statement, the rows sent as a single JSON parameter that
 * `json_to_recordset` expands: a fraction of the hub CPU of a Drizzle multi-row insert (one bound parameter per
 * column per row), which matters when thousands of spokes register at once.
 */
async function insertOperations(
  tx: Pick<Database, "execute">,
  sets: ReadonlyArray<{ spokeId: string; reg: Pick<SpokeRegistration, "name" | "operations"> }>,
): Promise<void> {
  const rows = sets.flatMap(({ spokeId, reg }) =>
    reg.operations.map((spec) => ({
      spoke_id: spokeId,
      name: `${reg.name}.${spec.name}`,
      local_name: spec.name,
      type: spec.type,
      title: spec.title ?? null,
      description: spec.description,
      tags: spec.tags ?? [],
      input_schema: spec.inputSchema,
      output_schema: spec.outputSchema ?? null,
      annotations: spec.annotations ?? {},
      version: spec.version ?? null,
    })),
  );
  if (rows.length === 0) return;
  await tx.execute(sql`insert into operations (spoke_id, name, local_name, type, title, description, tags,
      input_schema, output_schema, annotations, version)
    select r.spoke_id, r.name, r.local_name, r.type, r.title, r.description,
      array(select json_array_elements_text(r.tags)), r.input_schema, r.output_schema, r.annotations, r.version
    from json_to_recordset(${JSON.stringify(rows)}::json) as r(spoke_id text, name text, local_name text,
      type text, title text, description text, tags json, input_schema jsonb, output_schema jsonb,
      annotations jsonb, version text)`);
}
