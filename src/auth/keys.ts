import { and, asc, eq, gte, isNull, or, sql } from "drizzle-orm";
import { type AuditActor, accounts, apiKeys, type Store, writeAuditRow } from "../store/index.ts";
import { mintApiKey } from "./api-key.ts";
import { AUTH_NOTIFY_CHANNEL, type KeyChange, revocationMessage } from "./revocation.ts";
import { isScope, type Scope } from "./scopes.ts";

/** A stored key as operators see it: everything but the hash. */
export interface ApiKeyRecord {
  id: string;
  accountId: string;
  accountName: string;
  name: string;
  scopes: Scope[];
  spokeNames: string[];
  operations: string[];
  enabled: boolean;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a key can be used for right now: `revoked` wins over `disabled`, which wins over `expired`. */
export type ApiKeyState = "active" | "disabled" | "expired" | "revoked";

/** What `createApiKey` needs. */
export interface CreateApiKeyInput {
  /** Account name; the account is created if it does not exist. */
  account: string;
  name: string;
  scopes: Scope[];
  /** Globs of spoke names the key may register. Default none. */
  spokeNames?: string[];
  /** Globs of operations the key may call. Default `["*"]`. */
  operations?: string[];
  expiresAt?: Date;
  /** Recorded in the audit row. */
  actor?: AuditActor;
}

/** The state of `record` at `now`. */
export function apiKeyState(
  record: Pick<ApiKeyRecord, "enabled" | "expiresAt" | "revokedAt">,
  now = new Date(),
): ApiKeyState {
  if (record.revokedAt) return "revoked";
  if (!record.enabled) return "disabled";
  if (record.expiresAt && record.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

/** Most keys `keysChangedSince` returns: the oldest changes past it are left out. */
const CHANGED_KEYS_LIMIT = 10_000;

/**
 * The keys changed (revoked, disabled, enabled, expiry moved, renamed, created) at or after `since`, oldest change
 * first, with what decides their state — for an instance that missed the notifications of that time.
 */
export async function keysChangedSince(store: Pick<Store, "db">, since: Date): Promise<KeyChange[]> {
  const rows = await store.db
    .select({
      id: apiKeys.id,
      enabled: apiKeys.enabled,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      updatedAt: apiKeys.updatedAt,
    })
    .from(apiKeys)
    .where(or(gte(apiKeys.updatedAt, since), gte(apiKeys.revokedAt, since)))
    .orderBy(asc(apiKeys.updatedAt))
    .limit(CHANGED_KEYS_LIMIT);
  const now = new Date();
  return rows.map((row) => ({
    id: row.id,
    state: apiKeyState(row, now),
    changedAt: row.revokedAt && row.revokedAt > row.updatedAt ? row.revokedAt : row.updatedAt,
  }));
}

/**
 * Mints and stores a key. The returned `key` is the only copy of the plaintext: the database keeps its id and
 * hash. Writes a `key.create` audit row. Throws `RangeError` on invalid input.
 */
export async function createApiKey(
  store: Pick<Store, "db">,
  input: CreateApiKeyInput,
): Promise<{ key: string; record: ApiKeyRecord }> {
  validateInput(input);
  const minted = mintApiKey();
  try {
    const record = await store.db.transaction(async (tx) => {
      await tx
        .insert(accounts)
        .values({ name: input.account })
        .onConflictDoNothing({ target: accounts.name });
      const [account] = await tx.select().from(accounts).where(eq(accounts.name, input.account));
      if (!account) throw new Error(`account ${input.account} vanished while creating a key`);
      const [row] = await tx
        .insert(apiKeys)
        .values({
          id: minted.id,
          accountId: account.id,
          name: input.name,
          keyHash: minted.hash,
          scopes: [...new Set(input.scopes)],
          spokeNames: input.spokeNames ?? [],
          operations: input.operations ?? ["*"],
          expiresAt: input.expiresAt ?? null,
        })
        .returning();
      if (!row) throw new Error("inserting the key returned no row");
      await writeAuditRow(tx, {
        action: "key.create",
        target: row.id,
        outcome: "ok",
        actor: input.actor,
        details: { account: account.name, name: row.name, scopes: row.scopes },
      });
      return toApiKeyRecord(row, account.name);
    });
    return { key: minted.key, record };
  } catch (error) {
    await writeAuditRow(store.db, {
      action: "key.create",
      target: minted.id,
      outcome: "error",
      actor: input.actor,
      details: { account: input.account, name: input.name },
    }).catch(() => {});
    throw error;
  }
}

/** Every key, oldest first, without hashes. */
export async function listApiKeys(store: Pick<Store, "db">): Promise<ApiKeyRecord[]> {
  const rows = await store.db
    .select({ key: apiKeys, accountName: accounts.name })
    .from(apiKeys)
    .innerJoin(accounts, eq(apiKeys.accountId, accounts.id))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
  return rows.map((row) => toApiKeyRecord(row.key, row.accountName));
}

/**
 * Revokes key `id`. True when this call revoked it; false when there is no such key or it was already revoked.
 * Writes a `key.revoke` audit row either way. The revoking transaction notifies `AUTH_NOTIFY_CHANNEL`, so every
 * hub on this database (Postgres) hears of it at commit, with or without Redis; callers also tell their own
 * instance and the bus (`Revocations`).
 */
export async function revokeApiKey(
  store: Pick<Store, "db">,
  id: string,
  actor?: AuditActor,
): Promise<boolean> {
  const revoked = await store.db.transaction(async (tx) => {
    const rows = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    if (rows.length > 0) {
      await tx.execute(sql`select pg_notify(${AUTH_NOTIFY_CHANNEL}, ${revocationMessage(id)})`);
    }
    return rows;
  });
  let outcome = "ok";
  if (revoked.length === 0) {
    const [existing] = await store.db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.id, id));
    outcome = existing ? "already-revoked" : "not-found";
  }
  await writeAuditRow(store.db, { action: "key.revoke", target: id, outcome, actor });
  return revoked.length > 0;
}

function validateInput(input: CreateApiKeyInput): void {
  if (input.account.trim() === "") throw new RangeError("the account name of a key must not be empty");
  if (input.name.trim() === "") throw new RangeError("the name of a key must not be empty");
  if (input.scopes.length === 0) throw new RangeError("a key needs at least one scope");
  // Postgres text cannot hold NUL: refuse it here with a clear message instead of failing the insert.
  for (const [field, values] of [
    ["account", [input.account]],
    ["name", [input.name]],
    ["spokeNames", input.spokeNames ?? []],
    ["operations", input.operations ?? []],
  ] as const) {
    if (values.some((value) => value.includes("\u0000")))
      throw new RangeError(`${field} must not contain NUL characters`);
  }
  for (const scope of input.scopes) {
    if (!isScope(scope)) throw new RangeError(`unknown scope "${scope}"`);
  }
  for (const [field, globs] of [
    ["spokeNames", input.spokeNames],
    ["operations", input.operations],
  ] as const) {
    if (globs?.some((glob) => glob.trim() === ""))
      throw new RangeError(`${field} must not contain an empty glob`);
  }
  if (input.expiresAt && Number.isNaN(input.expiresAt.getTime())) {
    throw new RangeError("expiresAt is not a valid date");
  }
}

/** A stored row as `ApiKeyRecord` (the hash left out). */
export function toApiKeyRecord(row: typeof apiKeys.$inferSelect, accountName: string): ApiKeyRecord {
  return {
    id: row.id,
    accountId: row.accountId,
    accountName,
    name: row.name,
    scopes: row.scopes.filter(isScope),
    spokeNames: row.spokeNames,
    operations: row.operations,
    enabled: row.enabled,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
