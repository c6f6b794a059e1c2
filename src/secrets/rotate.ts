import { and, asc, count, eq, gt, ne } from "drizzle-orm";
import { CryptoError, type KeyRing } from "../crypto/index.ts";
import type { Logger } from "../log/index.ts";
import {
  type AuditActor,
  accounts,
  clientSecrets,
  clients,
  type Store,
  writeAuditRow,
} from "../store/index.ts";
import { withOwners } from "./owned-secrets.ts";
import { openSecret, sealSecret } from "./sealing.ts";
import { SecretInputError } from "./validation.ts";

/** Rows read per batch by `rotateClientSecrets` unless told otherwise. */
export const DEFAULT_ROTATE_BATCH_SIZE = 100;
/** Largest batch `rotateClientSecrets` accepts. */
export const MAX_ROTATE_BATCH_SIZE = 10_000;

/** A secret that rotation left on its old data key. */
export interface RotationLeftover {
  account: string;
  client: string;
  name: string;
  keyVersion: number;
}

/** What `rotateClientSecrets` did. Every row is counted in exactly one field. */
export interface RotationResult {
  /** Rows re-sealed with the current key by this run. */
  rotated: number;
  /** Rows already on the current key when the run began. */
  alreadyCurrent: number;
  /** Rows on a data-key version absent from the ring: untouched. */
  missingKey: RotationLeftover[];
  /** Rows whose key is in the ring but whose value does not open (altered or moved): untouched. */
  unreadable: RotationLeftover[];
  /** Rows changed or deleted by someone else between read and update (a rerun picks them up if needed). */
  skipped: number;
}

/**
 * Re-seals every client secret whose `key_version` is not the ring's current version (CONFIG.md › Rotation),
 * reading `batchSize` rows at a time (default 100) in id order. Each row is one conditional
 * `UPDATE … WHERE id = ? AND key_version = <old>` (its own transaction), so an interrupted or concurrent run
 * leaves nothing half-done and is safe to rerun. Keeps `updated_at`: the value did not change. Writes one
 * `secret.rotate` audit row with the counts (outcome `ok`, or `incomplete` when rows were left behind).
 */
export async function rotateClientSecrets(
  store: Pick<Store, "db">,
  ring: KeyRing,
  options: { batchSize?: number; log?: Logger; actor?: AuditActor } = {},
): Promise<RotationResult> {
  const batchSize = options.batchSize ?? DEFAULT_ROTATE_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_ROTATE_BATCH_SIZE) {
    throw new SecretInputError(
      "batchSize",
      `batchSize: must be an integer from 1 to ${MAX_ROTATE_BATCH_SIZE}`,
    );
  }
  const current = ring.currentVersion;
  const { db } = store;
  const [counted] = await db
    .select({ n: count() })
    .from(clientSecrets)
    .where(eq(clientSecrets.keyVersion, current));
  const result: RotationResult = {
    rotated: 0,
    alreadyCurrent: counted?.n ?? 0,
    missingKey: [],
    unreadable: [],
    skipped: 0,
  };
  let after = "";
  for (let batch = 1; ; batch += 1) {
    // Keyset paging on id: rows left behind (missing key, unreadable) still match `<> current`.
    const rows = await withOwners(
      db
        .select({
          id: clientSecrets.id,
          clientId: clientSecrets.clientId,
          name: clientSecrets.name,
          keyVersion: clientSecrets.keyVersion,
          sealed: clientSecrets.sealed,
          client: clients.name,
          account: accounts.name,
        })
        .from(clientSecrets)
        .$dynamic(),
    )
      .where(and(ne(clientSecrets.keyVersion, current), gt(clientSecrets.id, after)))
      .orderBy(asc(clientSecrets.id))
      .limit(batchSize);
    if (rows.length === 0) break;
    const before = result.rotated;
    for (const row of rows) {
      const leftover = {
        account: row.account,
        client: row.client,
        name: row.name,
        keyVersion: row.keyVersion,
      };
      if (!ring.has(row.keyVersion)) {
        result.missingKey.push(leftover);
        continue;
      }
      let resealed: { keyVersion: number; sealed: string };
      try {
        resealed = sealSecret(ring, row.clientId, row.name, openSecret(ring, row));
      } catch (error) {
        if (!(error instanceof CryptoError)) throw error;
        result.unreadable.push(leftover);
        options.log?.warn("client secret does not open; left as it is", leftover);
        continue;
      }
      const updated = await db
        .update(clientSecrets)
        .set({ keyVersion: resealed.keyVersion, sealed: resealed.sealed, updatedAt: clientSecrets.updatedAt })
        .where(and(eq(clientSecrets.id, row.id), eq(clientSecrets.keyVersion, row.keyVersion)))
        .returning({ id: clientSecrets.id });
      if (updated.length > 0) result.rotated += 1;
      else result.skipped += 1;
    }
    after = (rows.at(-1) as { id: string }).id;
    options.log?.info("rotated a batch of client secrets", {
      batch,
      rows: rows.length,
      rotated: result.rotated - before,
      toKeyVersion: current,
    });
    if (rows.length < batchSize) break;
  }
  await writeAuditRow(db, {
    action: "secret.rotate",
    target: null,
    outcome: result.missingKey.length + result.unreadable.length > 0 ? "incomplete" : "ok",
    actor: options.actor,
    details: {
      toKeyVersion: current,
      rotated: result.rotated,
      alreadyCurrent: result.alreadyCurrent,
      missingKey: result.missingKey.length,
      unreadable: result.unreadable.length,
      skipped: result.skipped,
    },
  });
  return result;
}
