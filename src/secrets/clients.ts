/**
 * Clients: the services the hub calls on an account's behalf, which own sealed secrets. Listed newest first
 * with how many secrets each holds; created (with their account when missing) and deleted (with their secrets)
 * by operators, each change with a `client.*` audit row in its transaction.
 */
import { and, count, desc, eq, or, type SQL, sql } from "drizzle-orm";
import {
  type AuditActor,
  accounts,
  clientSecrets,
  clients,
  type Database,
  type Store,
  writeAuditRow,
} from "../store/index.ts";
import { checkAccount, checkName, SecretInputError } from "./validation.ts";

/** Longest client description, in characters. */
export const MAX_CLIENT_DESCRIPTION_LENGTH = 1000;

/** A client as operators see it. */
export interface ClientRecord {
  id: string;
  account: string;
  name: string;
  description: string | null;
  createdAt: Date;
  /** Secrets it holds. */
  secrets: number;
  /** `created_at::text`: the exact page position. */
  position: string;
}

/** Clients newest first (`created_at`, then id, descending), optionally of one account (by name). */
export async function pageClients(
  store: Pick<Store, "db">,
  query: { account?: string; limit: number; after?: { position: string; id: string } },
): Promise<ClientRecord[]> {
  const conditions: (SQL | undefined)[] = [];
  if (query.account !== undefined) conditions.push(eq(accounts.name, query.account));
  if (query.after) {
    const at = sql`${query.after.position}::timestamptz`;
    conditions.push(
      or(
        sql`${clients.createdAt} < ${at}`,
        and(sql`${clients.createdAt} = ${at}`, sql`${clients.id} < ${query.after.id}`),
      ),
    );
  }
  return selectClients(store.db)
    .where(and(...conditions))
    .orderBy(desc(clients.createdAt), desc(clients.id))
    .limit(query.limit);
}

/** One client by id, or undefined. */
export async function getClient(store: Pick<Store, "db">, id: string): Promise<ClientRecord | undefined> {
  const [row] = await selectClients(store.db).where(eq(clients.id, id));
  return row;
}

/**
 * Creates client `name` of `account` (the account too, when missing) and writes a `client.create` audit row.
 * Returns the client, or `"exists"` when the account has a client of that name. Throws `SecretInputError`
 * naming the field for a bad account, name or description.
 */
export async function createClient(
  store: Pick<Store, "db">,
  input: { account: string; name: string; description?: string; actor?: AuditActor },
): Promise<ClientRecord | "exists"> {
  checkAccount(input.account);
  checkName("client", input.name);
  if (input.description !== undefined) checkDescription(input.description);
  const created = await store.db.transaction(async (tx) => {
    await tx.insert(accounts).values({ name: input.account }).onConflictDoNothing({ target: accounts.name });
    const [account] = await tx.select().from(accounts).where(eq(accounts.name, input.account));
    if (!account) throw new Error(`account ${input.account} vanished while creating a client`);
    const [row] = await tx
      .insert(clients)
      .values({ accountId: account.id, name: input.name, description: input.description ?? null })
      .onConflictDoNothing({ target: [clients.accountId, clients.name] })
      .returning({ id: clients.id });
    await writeAuditRow(tx, {
      action: "client.create",
      target: input.name,
      outcome: row ? "ok" : "exists",
      actor: input.actor,
      details: { account: input.account, ...(row ? { id: row.id } : {}) },
    });
    return row;
  });
  if (!created) return "exists";
  const record = await getClient(store, created.id);
  if (!record) throw new Error(`client ${created.id} vanished after it was created`);
  return record;
}

/**
 * Deletes client `id` and its secrets; writes a `client.delete` audit row (`ok` or `not-found`). Returns the
 * client as it was, or undefined when there was none.
 */
export async function deleteClient(
  store: Pick<Store, "db">,
  id: string,
  actor?: AuditActor,
): Promise<ClientRecord | undefined> {
  return store.db.transaction(async (tx) => {
    const [before] = await selectClients(tx).where(eq(clients.id, id));
    const deleted = before
      ? await tx.delete(clients).where(eq(clients.id, id)).returning({ id: clients.id })
      : [];
    const found = deleted.length > 0 ? before : undefined;
    await writeAuditRow(tx, {
      action: "client.delete",
      target: found?.name ?? id,
      outcome: found ? "ok" : "not-found",
      actor,
      details: found ? { id, account: found.account, secrets: found.secrets } : { id },
    });
    return found;
  });
}

function checkDescription(description: string): void {
  if (description.length > MAX_CLIENT_DESCRIPTION_LENGTH || description.includes("\u0000")) {
    throw new SecretInputError(
      "description",
      `description: at most ${MAX_CLIENT_DESCRIPTION_LENGTH} characters, no NUL characters`,
    );
  }
}

/** Clients with their account name and secret count; the caller adds `where`, `orderBy`, `limit`. */
function selectClients(db: Pick<Database, "select">) {
  const secrets = db
    .select({ clientId: clientSecrets.clientId, n: count().as("n") })
    .from(clientSecrets)
    .groupBy(clientSecrets.clientId)
    .as("secret_counts");
  return db
    .select({
      id: clients.id,
      account: accounts.name,
      name: clients.name,
      description: clients.description,
      createdAt: clients.createdAt,
      secrets: sql<number>`coalesce(${secrets.n}, 0)::int`,
      position: sql<string>`${clients.createdAt}::text`,
    })
    .from(clients)
    .innerJoin(accounts, eq(clients.accountId, accounts.id))
    .leftJoin(secrets, eq(secrets.clientId, clients.id))
    .$dynamic();
}
