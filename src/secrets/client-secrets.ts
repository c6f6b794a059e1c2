import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { writeAuditRow } from "../audit/index.ts";
import type { KeyRing } from "../crypto/index.ts";
import { accounts, clientSecrets, clients, type Database, type Store } from "../store/index.ts";
import { withOwners } from "./owned-secrets.ts";
import { openSecret, sealSecret } from "./sealing.ts";
import type {
  ClientSecretInfo,
  DeleteClientSecretInput,
  SecretAddress,
  SetClientSecretInput,
  SetClientSecretResult,
} from "./types.ts";
import { checkAccount, checkName, checkValue } from "./validation.ts";

/**
 * Seals `input.value` with the ring's current data key (AAD `"<clientId>/<name>"`) and stores it, replacing an
 * existing secret of that name; creates the account and client when missing. Writes a `secret.set` audit row
 * (target `"<client>/<name>"`, never the value) in the same transaction. Bad names or an empty value throw
 * `SecretInputError` naming the field.
 */
export async function setClientSecret(
  store: Pick<Store, "db">,
  ring: KeyRing,
  input: SetClientSecretInput,
): Promise<SetClientSecretResult> {
  checkAddress(input);
  checkValue(input.value);
  const target = `${input.client}/${input.name}`;
  try {
    return await store.db.transaction(async (tx) => {
      await tx
        .insert(accounts)
        .values({ name: input.account })
        .onConflictDoNothing({ target: accounts.name });
      const [account] = await tx.select().from(accounts).where(eq(accounts.name, input.account));
      if (!account) throw new Error(`account ${input.account} vanished while setting a secret`);
      await tx
        .insert(clients)
        .values({ accountId: account.id, name: input.client })
        .onConflictDoNothing({ target: [clients.accountId, clients.name] });
      const [client] = await tx
        .select()
        .from(clients)
        .where(and(eq(clients.accountId, account.id), eq(clients.name, input.client)));
      if (!client) throw new Error(`client ${input.client} vanished while setting a secret`);
      const [existing] = await tx
        .select({ id: clientSecrets.id })
        .from(clientSecrets)
        .where(and(eq(clientSecrets.clientId, client.id), eq(clientSecrets.name, input.name)));
      const { keyVersion, sealed } = sealSecret(ring, client.id, input.name, input.value);
      const now = new Date();
      const [row] = await tx
        .insert(clientSecrets)
        .values({ clientId: client.id, name: input.name, keyVersion, sealed })
        .onConflictDoUpdate({
          target: [clientSecrets.clientId, clientSecrets.name],
          set: { keyVersion, sealed, updatedAt: now },
        })
        .returning();
      if (!row) throw new Error("storing the secret returned no row");
      await writeAuditRow(tx, {
        action: "secret.set",
        target,
        outcome: "ok",
        actor: input.actor,
        details: { account: account.name, keyVersion, created: !existing },
      });
      return {
        account: account.name,
        client: client.name,
        name: row.name,
        keyVersion: row.keyVersion,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        lastUsedAt: row.lastUsedAt,
        created: !existing,
      };
    });
  } catch (error) {
    await auditFailure(store.db, "secret.set", target, input);
    throw error;
  }
}

/**
 * The stored secrets, optionally only those of one account and/or client name, ordered by account, client and
 * name; `page` reads `limit` rows after a previous row's `[account, client, name]`. Names, versions and
 * timestamps only: values are never read here.
 */
export async function listClientSecrets(
  store: Pick<Store, "db">,
  filter: { account?: string; client?: string } = {},
  page?: { limit: number; after?: readonly [string, string, string] },
): Promise<ClientSecretInfo[]> {
  const conditions: SQL[] = [];
  if (filter.account !== undefined) conditions.push(eq(accounts.name, filter.account));
  if (filter.client !== undefined) conditions.push(eq(clients.name, filter.client));
  if (page?.after) {
    const [account, client, name] = page.after;
    conditions.push(
      sql`(${accounts.name}, ${clients.name}, ${clientSecrets.name}) > (${account}, ${client}, ${name})`,
    );
  }
  const query = withOwners(
    store.db
      .select({
        account: accounts.name,
        client: clients.name,
        name: clientSecrets.name,
        keyVersion: clientSecrets.keyVersion,
        createdAt: clientSecrets.createdAt,
        updatedAt: clientSecrets.updatedAt,
        lastUsedAt: clientSecrets.lastUsedAt,
      })
      .from(clientSecrets)
      .$dynamic(),
  )
    .where(and(...conditions))
    .orderBy(asc(accounts.name), asc(clients.name), asc(clientSecrets.name));
  return page ? query.limit(page.limit) : query;
}

/** How often `last_used_at` of one secret is written at most (operators see it to within this). */
export const SECRET_LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The plaintext of one secret, for the hub's own use (never exposed on an API or the CLI); `undefined` when
 * there is no such account, client or secret. Throws `CryptoError` when its data key is not in the ring or the
 * stored value does not open. Records the use in `last_used_at` (at most once a minute per secret; a failed
 * write does not fail the read): this runs when an upstream dials, never per call.
 */
export async function getClientSecret(
  store: Pick<Store, "db">,
  ring: KeyRing,
  address: SecretAddress,
): Promise<string | undefined> {
  checkAddress(address);
  const [row] = await withOwners(
    store.db
      .select({
        id: clientSecrets.id,
        clientId: clientSecrets.clientId,
        name: clientSecrets.name,
        keyVersion: clientSecrets.keyVersion,
        sealed: clientSecrets.sealed,
        lastUsedAt: clientSecrets.lastUsedAt,
      })
      .from(clientSecrets)
      .$dynamic(),
  ).where(addressIs(address));
  if (!row) return undefined;
  const value = openSecret(ring, row);
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= SECRET_LAST_USED_RESOLUTION_MS) {
    await store.db
      .update(clientSecrets)
      // Not a change of the value: updated_at stays.
      .set({ lastUsedAt: new Date(), updatedAt: clientSecrets.updatedAt })
      .where(eq(clientSecrets.id, row.id))
      .catch(() => {});
  }
  return value;
}

/**
 * Deletes one secret (the client and account stay). True when it existed. Writes a `secret.delete` audit row
 * with outcome `ok` or `not-found`.
 */
export async function deleteClientSecret(
  store: Pick<Store, "db">,
  input: DeleteClientSecretInput,
): Promise<boolean> {
  checkAddress(input);
  const target = `${input.client}/${input.name}`;
  return store.db.transaction(async (tx) => {
    const [found] = await withOwners(
      tx.select({ id: clientSecrets.id }).from(clientSecrets).$dynamic(),
    ).where(addressIs(input));
    const deleted = found
      ? await tx
          .delete(clientSecrets)
          .where(eq(clientSecrets.id, found.id))
          .returning({ id: clientSecrets.id })
      : [];
    await writeAuditRow(tx, {
      action: "secret.delete",
      target,
      outcome: deleted.length > 0 ? "ok" : "not-found",
      actor: input.actor,
      details: { account: input.account },
    });
    return deleted.length > 0;
  });
}

function checkAddress(address: SecretAddress): void {
  checkAccount(address.account);
  checkName("client", address.client);
  checkName("name", address.name);
}

function addressIs(address: SecretAddress): SQL | undefined {
  return and(
    eq(accounts.name, address.account),
    eq(clients.name, address.client),
    eq(clientSecrets.name, address.name),
  );
}

/** Records a failed change; best effort, because the database may be what failed. */
async function auditFailure(
  db: Database,
  action: string,
  target: string,
  input: { account: string; actor?: SetClientSecretInput["actor"] },
): Promise<void> {
  await writeAuditRow(db, {
    action,
    target,
    outcome: "error",
    actor: input.actor,
    details: { account: input.account },
  }).catch(() => {});
}
