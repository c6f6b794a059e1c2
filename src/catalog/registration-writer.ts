import { inArray, sql } from "drizzle-orm";
import type { Logger } from "../log/index.ts";
import { type Database, operations, spokes } from "../store/index.ts";
import { insertOperations, type SpokeRow, saveRegistration } from "./persistence.ts";
import type { SpokeRegistration } from "./types.ts";

/** Most registrations written in one transaction. */
const MAX_BATCH = 200;

interface Pending {
  reg: SpokeRegistration;
  keepOperations: boolean;
  resolve: (row: SpokeRow) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes spoke registrations that arrive together (thousands of spokes reconnecting after a restart) in shared
 * transactions (group commit: whatever queued up while the previous write ran goes in the next one): one multi-row upsert of the spoke rows, one delete and one insert of their operation sets.
 * A batch that fails is retried one registration at a time, so one bad registration fails only itself.
 * Registrations of one name never share a batch: the catalog serialises each name.
 */
export class RegistrationWriter {
  readonly #db: Database;
  readonly #log: Logger;
  #pending: Pending[] = [];
  #flushing = false;

  constructor(db: Database, log: Logger) {
    this.#db = db;
    this.#log = log;
  }

  save(reg: SpokeRegistration, keepOperations: boolean): Promise<SpokeRow> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ reg, keepOperations, resolve, reject });
      // Group commit: the first registration is written at once; those arriving while a write is under way
      // share the next transaction.
      if (!this.#flushing) {
        this.#flushing = true;
        void this.#flush();
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      try {
        const rows = await this.#saveBatch(batch);
        for (const [i, item] of batch.entries()) item.resolve(rows[i]!);
      } catch (error) {
        this.#log.debug("batched registration write failed; writing one by one", { error: String(error) });
        for (const item of batch) {
          await saveRegistration(this.#db, item.reg, new Date(), {
            keepOperations: item.keepOperations,
          }).then(item.resolve, item.reject);
        }
      }
    }
    this.#flushing = false;
  }

  async #saveBatch(batch: Pending[]): Promise<SpokeRow[]> {
    if (batch.length === 1) {
      const [only] = batch;
      return [
        await saveRegistration(this.#db, only!.reg, new Date(), { keepOperations: only!.keepOperations }),
      ];
    }
    const now = new Date();
    return this.#db.transaction(async (tx) => {
      const upserted = await tx
        .insert(spokes)
        .values(
          batch.map(({ reg }) => ({
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
          })),
        )
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
        })
        .returning();
      const byName = new Map(upserted.map((row) => [row.name, row]));
      const rows = batch.map(({ reg }) => {
        const row = byName.get(reg.name);
        if (!row) throw new Error(`upsert of spoke "${reg.name}" returned no row`);
        return row;
      });
      const replaced = batch.filter((item) => !item.keepOperations);
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
}
