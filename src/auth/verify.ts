import { timingSafeEqual } from "node:crypto";
import { eq } from "drizzle-orm";
import { withDeadline } from "../deadline.ts";
import { accounts, apiKeys, type Store } from "../store/index.ts";
import { hashApiKey, parseApiKeyId } from "./api-key.ts";
import { type Identity, isScope } from "./scopes.ts";

/** `last_used_at` is refreshed at most this often per key, so verification does not write on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;
/** How long the `last_used_at` write may hold a verification up: it is bookkeeping, the answer does not wait. */
const LAST_USED_WRITE_TIMEOUT_MS = 1000;

/** Why a presented key was refused. A wrong secret for a known id is `unknown`: it reveals nothing. */
export type VerifyFailure = "malformed" | "unknown" | "disabled" | "expired" | "revoked";

/** The outcome of verifying a presented key. */
export type VerifyResult = { ok: true; identity: Identity } | { ok: false; reason: VerifyFailure };

/**
 * Verifies a presented key: format, lookup by id, constant-time comparison of SHA-256 hashes, then revoked /
 * enabled / expires_at (at `now`). Never logs or returns the key.
 */
export async function verifyApiKey(
  store: Pick<Store, "db">,
  presented: string,
  now = new Date(),
): Promise<VerifyResult> {
  const id = parseApiKeyId(presented);
  if (!id) return { ok: false, reason: "malformed" };
  return verifyKeyRow(store, id, now, (keyHash) => {
    const expected = Buffer.from(keyHash, "hex");
    const actual = Buffer.from(hashApiKey(presented), "hex");
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  });
}

/**
 * The identity of key `id` as it stands now (revoked / enabled / expires_at checked at `now`), for a caller that
 * proved the key earlier by other means — a sealed dashboard session names the key id only. Never cached here:
 * a key disabled or revoked a moment ago is refused on the next request.
 */
export async function verifyApiKeyId(
  store: Pick<Store, "db">,
  id: string,
  now = new Date(),
): Promise<VerifyResult> {
  return verifyKeyRow(store, id, now, () => true);
}

async function verifyKeyRow(
  store: Pick<Store, "db">,
  id: string,
  now: Date,
  secretMatches: (keyHash: string) => boolean,
): Promise<VerifyResult> {
  const [row] = await store.db
    .select({ key: apiKeys, accountName: accounts.name })
    .from(apiKeys)
    .innerJoin(accounts, eq(apiKeys.accountId, accounts.id))
    .where(eq(apiKeys.id, id));
  if (!row || !secretMatches(row.key.keyHash)) return { ok: false, reason: "unknown" };
  const key = row.key;
  if (key.revokedAt) return { ok: false, reason: "revoked" };
  if (!key.enabled) return { ok: false, reason: "disabled" };
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: "expired" };
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Bookkeeping only: a failed write must not turn a valid key into a refusal.
    await withDeadline(
      store.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, key.id)),
      LAST_USED_WRITE_TIMEOUT_MS,
      "the last_used_at write",
    ).catch(() => {});
  }
  return {
    ok: true,
    identity: {
      keyId: key.id,
      accountId: key.accountId,
      accountName: row.accountName,
      scopes: key.scopes.filter(isScope),
      spokeNames: key.spokeNames,
      operations: key.operations,
      expiresAt: key.expiresAt,
    },
  };
}
