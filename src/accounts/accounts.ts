/**
 * Accounts (tenants): every key, spoke and client belongs to one. Keys and secrets create theirs when missing;
 * operators can also list them (newest first, with how many live keys each has) and create one by name.
 */
import { and, count, desc, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import { checkAccount } from "../secrets/index.ts";
import {
  type AuditActor,
  accounts,
  apiKeys,
  type Database,
  type Store,
  writeAuditRow,
} from "../store/index.ts";

/** An account as operators see it. */
export interface AccountRecord {
  id: string;
  name: string;
  createdAt: Date;
  /** Keys of the account that are not revoked. */
  keys: number;
  /** `created_at::text`: the exact page position. */
  position: string;
}

/** Accounts newest first (`created_at`, then id, descending). */
export async function pageAccounts(
  store: Pick<Store, "db">,
  query: { limit: number; after?: { position: string; id: string } },
): Promise<AccountRecord[]> {
  const conditions: (SQL | undefined)[] = [];
  if (query.after) {
    const at = sql`${query.after.position}::timestamptz`;
    conditions.push(
      or(
        sql`${accounts.createdAt} < ${at}`,
        and(sql`${accounts.createdAt} = ${at}`, sql`${accounts.id} < ${query.after.id}`),
      ),
    );
  }
  return selectAccounts(store.db)
    .where(and(...conditions))
    .orderBy(desc(accounts.createdAt), desc(accounts.id))
    .limit(query.limit);
}

/** One account by id or, failing that, by name; undefined when neither matches. */
export async function getAccount(
  store: Pick<Store, "db">,
  idOrName: string,
): Promise<AccountRecord | undefined> {
  const [byId] = await selectAccounts(store.db).where(eq(accounts.id, idOrName));
  if (byId) return byId;
  const [byName] = await selectAccounts(store.db).where(eq(accounts.name, idOrName));
  return byName;
}

/**
 * Creates account `name` and writes an `account.create` audit row. Returns it, or `"exists"` when an account
 * of that name exists. Throws `SecretInputError` (field `account`) for a blank, overlong or control-character name.
 */
export async function createAccount(
  store: Pick<Store, "db">,
  name: string,
  actor?: AuditActor,
): Promise<AccountRecord | "exists"> {
  checkAccount(name);
  const created = await store.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(accounts)
      .values({ name })
      .onConflictDoNothing({ target: accounts.name })
      .returning({ id: accounts.id });
    await writeAuditRow(tx, {
      action: "account.create",
      target: name,
      outcome: row ? "ok" : "exists",
      actor,
      details: row ? { id: row.id } : {},
    });
    return row;
  });
  if (!created) return "exists";
  const record = await getAccount(store, created.id);
  if (!record) throw new Error(`account ${created.id} vanished after it was created`);
  return record;
}

/** Accounts with their live key count; the caller adds `where`, `orderBy`, `limit`. */
function selectAccounts(db: Pick<Database, "select">) {
  const keys = db
    .select({ accountId: apiKeys.accountId, n: count().as("n") })
    .from(apiKeys)
    .where(isNull(apiKeys.revokedAt))
    .groupBy(apiKeys.accountId)
    .as("key_counts");
  return db
    .select({
      id: accounts.id,
      name: accounts.name,
      createdAt: accounts.createdAt,
      keys: sql<number>`coalesce(${keys.n}, 0)::int`,
      position: sql<string>`${accounts.createdAt}::text`,
    })
    .from(accounts)
    .leftJoin(keys, eq(keys.accountId, accounts.id))
    .$dynamic();
}
