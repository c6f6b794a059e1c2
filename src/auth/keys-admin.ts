/**
 * What the admin API does with keys beyond create and revoke (`keys.ts`): pages of keys filtered by account and
 * state, one key, and changes to a key's name, expiry and enabled flag. A change that takes the key out of use
 * (disabled, or expired now) notifies `AUTH_NOTIFY_CHANNEL` with a revocation in its transaction, so every
 * instance cuts the key's sessions as a revocation does; a change that brings it back (enabled, expiry moved
 * out) notifies a restoration, so every instance forgets the cut and its cached identity.
 */
import { and, desc, eq, gt, isNotNull, isNull, lte, or, type SQL, sql } from "drizzle-orm";
import { type AuditActor, accounts, apiKeys, type Store, writeAuditRow } from "../store/index.ts";
import { type ApiKeyRecord, type ApiKeyState, apiKeyState, toApiKeyRecord } from "./keys.ts";
import { AUTH_NOTIFY_CHANNEL, restorationMessage, revocationMessage } from "./revocation.ts";

/** A key with its keyset position (`createdAt` as exact Postgres text) for the next page. */
export interface ApiKeyRow extends ApiKeyRecord {
  /** `created_at::text`, microseconds included: the page position, exactly. */
  position: string;
}

/** Filters and page of `pageApiKeys`. */
export interface ApiKeyQuery {
  /** Account name. */
  account?: string;
  state?: ApiKeyState;
  /** Rows to return (the caller asks one more than it shows). */
  limit: number;
  /** Only keys after this position (newest first): a previous row's `position` and `id`. */
  after?: { position: string; id: string };
}

/** Keys newest first (`created_at`, then id, descending), filtered. Never the hash. */
export async function pageApiKeys(store: Pick<Store, "db">, query: ApiKeyQuery): Promise<ApiKeyRow[]> {
  const conditions: (SQL | undefined)[] = [];
  if (query.account !== undefined) conditions.push(eq(accounts.name, query.account));
  if (query.state !== undefined) conditions.push(stateIs(query.state));
  if (query.after) {
    const at = sql`${query.after.position}::timestamptz`;
    conditions.push(
      or(
        sql`${apiKeys.createdAt} < ${at}`,
        and(sql`${apiKeys.createdAt} = ${at}`, sql`${apiKeys.id} < ${query.after.id}`),
      ),
    );
  }
  const rows = await store.db
    .select({ key: apiKeys, accountName: accounts.name, position: sql<string>`${apiKeys.createdAt}::text` })
    .from(apiKeys)
    .innerJoin(accounts, eq(apiKeys.accountId, accounts.id))
    .where(and(...conditions))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(query.limit);
  return rows.map((row) => ({ ...toApiKeyRecord(row.key, row.accountName), position: row.position }));
}

/** One key by id, or undefined. */
export async function getApiKey(store: Pick<Store, "db">, id: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await store.db
    .select({ key: apiKeys, accountName: accounts.name })
    .from(apiKeys)
    .innerJoin(accounts, eq(apiKeys.accountId, accounts.id))
    .where(eq(apiKeys.id, id));
  return row ? toApiKeyRecord(row.key, row.accountName) : undefined;
}

/** What `updateApiKey` may change; absent fields stay. `expiresAt: null` removes the expiry. */
export interface ApiKeyChange {
  name?: string;
  enabled?: boolean;
  expiresAt?: Date | null;
}

/** How a change moved a key: into use, out of use, or neither. */
export type ApiKeyShift = "cut" | "restored" | "none";

/** The outcome of `updateApiKey`: the key after the change, how it moved, and the message that says so. */
export interface ApiKeyUpdate {
  record: ApiKeyRecord;
  shift: ApiKeyShift;
  /** The revocation or restoration sent on NOTIFY at commit; send it on the bus and apply it here too. */
  notice: string | undefined;
}

/**
 * Changes key `id` (not when revoked: a revoked key stays as it is) and writes a `key.update` audit row with the
 * changed fields. Returns the key after the change and how it moved, or undefined when there is no such key,
 * or `"revoked"` when the key is revoked. Throws `RangeError` on a blank name or one with NUL.
 */
export async function updateApiKey(
  store: Pick<Store, "db">,
  id: string,
  change: ApiKeyChange,
  actor?: AuditActor,
  now = new Date(),
): Promise<ApiKeyUpdate | "revoked" | undefined> {
  if (change.name !== undefined) {
    if (change.name.trim() === "") throw new RangeError("the name of a key must not be empty");
    if (change.name.includes("\u0000")) throw new RangeError("name must not contain NUL characters");
  }
  if (change.expiresAt && Number.isNaN(change.expiresAt.getTime())) {
    throw new RangeError("expiresAt is not a valid date");
  }
  const result = await store.db.transaction(async (tx) => {
    const [before] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).for("update");
    if (!before) return undefined;
    if (before.revokedAt) return "revoked" as const;
    const [after] = await tx
      .update(apiKeys)
      .set({
        ...(change.name === undefined ? {} : { name: change.name }),
        ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
        ...(change.expiresAt === undefined ? {} : { expiresAt: change.expiresAt }),
      })
      .where(eq(apiKeys.id, id))
      .returning();
    if (!after) throw new Error(`key ${id} vanished while it was being changed`);
    const [account] = await tx.select().from(accounts).where(eq(accounts.id, after.accountId));
    const wasUsable = apiKeyState(before, now) === "active";
    const isUsable = apiKeyState(after, now) === "active";
    let shift: ApiKeyShift = "none";
    if (wasUsable && !isUsable) shift = "cut";
    // An expiry moved (even while usable) must reach cached identities, which carry the old one.
    else if (isUsable && (!wasUsable || change.expiresAt !== undefined)) shift = "restored";
    let notice: string | undefined;
    if (shift !== "none") {
      notice = shift === "cut" ? revocationMessage(id) : restorationMessage(id);
      await tx.execute(sql`select pg_notify(${AUTH_NOTIFY_CHANNEL}, ${notice})`);
    }
    await writeAuditRow(tx, {
      action: "key.update",
      target: id,
      outcome: "ok",
      actor,
      details: {
        ...(change.name === undefined ? {} : { name: change.name }),
        ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
        ...(change.expiresAt === undefined ? {} : { expiresAt: change.expiresAt?.toISOString() ?? null }),
        shift,
      },
    });
    return { record: toApiKeyRecord(after, account?.name ?? ""), shift, notice };
  });
  if (result === undefined || result === "revoked") {
    await writeAuditRow(store.db, {
      action: "key.update",
      target: id,
      outcome: result === undefined ? "not-found" : "revoked",
      actor,
    });
  }
  return result;
}

/** The SQL condition of a key state at the database's `now()` (same precedence as `apiKeyState`). */
function stateIs(state: ApiKeyState): SQL | undefined {
  switch (state) {
    case "revoked":
      return isNotNull(apiKeys.revokedAt);
    case "disabled":
      return and(isNull(apiKeys.revokedAt), eq(apiKeys.enabled, false));
    case "expired":
      return and(isNull(apiKeys.revokedAt), eq(apiKeys.enabled, true), lte(apiKeys.expiresAt, sql`now()`));
    case "active":
      return and(
        isNull(apiKeys.revokedAt),
        eq(apiKeys.enabled, true),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
      );
  }
}
