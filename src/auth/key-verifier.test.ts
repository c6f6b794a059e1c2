import { expect, test } from "bun:test";
import type { Store } from "../store/index.ts";
import { mintApiKey } from "./api-key.ts";
import { KeyVerifier } from "./key-verifier.ts";

/**
 * A store whose key lookup answers with `row` or fails (`down`), through the chain `verifyApiKey` uses:
 * select → from → innerJoin → where (and update → set → where for `last_used_at`).
 */
function fakeStore(minted: ReturnType<typeof mintApiKey>) {
  const state = { down: false as false | "refused" | "silent", lookups: 0 };
  const row = {
    key: {
      id: minted.id,
      accountId: "acc",
      keyHash: minted.hash,
      scopes: ["call"],
      spokeNames: [],
      operations: ["*"],
      enabled: true,
      revokedAt: null,
      expiresAt: null,
      lastUsedAt: new Date(),
    },
    accountName: "acme",
  };
  const where = () => {
    state.lookups++;
    if (state.down === "silent") return new Promise(() => {});
    if (state.down === "refused")
      return Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    return Promise.resolve([row]);
  };
  const chain = { from: () => chain, innerJoin: () => chain, where };
  const db = { select: () => chain };
  return { store: { db } as unknown as Pick<Store, "db">, state };
}

test("while the store is down a key verified recently is served stale, within its bound; others fail as unavailable", async () => {
  const minted = mintApiKey();
  const other = mintApiKey();
  const { store, state } = fakeStore(minted);
  let now = 1_000_000;
  const verifier = new KeyVerifier(store, { ttlMs: 1000, staleMs: 60_000, now: () => now });
  expect((await verifier.verify(minted.key)).ok).toBe(true);
  state.down = "refused";
  now += 30_000; // past the ttl, within the stale bound
  expect(await verifier.verify(minted.key)).toMatchObject({ ok: true, identity: { keyId: minted.id } });
  expect(state.lookups).toBe(2); // the database was asked first
  await expect(verifier.verify(other.key)).rejects.toMatchObject({ name: "UnavailableError" });
  expect(verifier.lookupFailure).toMatchObject({ code: "ECONNREFUSED" });
  now += 31_000; // past the stale bound
  await expect(verifier.verify(minted.key)).rejects.toMatchObject({ name: "UnavailableError" });
  state.down = false;
  expect((await verifier.verify(minted.key)).ok).toBe(true);
  expect(verifier.lookupFailure).toBeUndefined();
});

test("a revoked key is not served stale, and a silent store fails the lookup at its deadline", async () => {
  const minted = mintApiKey();
  const { store, state } = fakeStore(minted);
  const revoked = new Set<string>();
  const verifier = new KeyVerifier(store, {
    ttlMs: 1,
    staleMs: 60_000,
    lookupTimeoutMs: 1500,
    isRevoked: (id) => revoked.has(id),
  });
  expect((await verifier.verify(minted.key)).ok).toBe(true);
  await Bun.sleep(5);
  state.down = "silent";
  const started = performance.now();
  expect((await verifier.verify(minted.key)).ok).toBe(true);
  expect(performance.now() - started).toBeLessThan(10_000);
  // Once a lookup failed, a stale key is answered without waiting for another lookup's deadline (1.5 s): that
  // one runs in the background.
  const lookupsBefore = state.lookups;
  const again = performance.now();
  expect((await verifier.verify(minted.key)).ok).toBe(true);
  expect(performance.now() - again).toBeLessThan(1000);
  expect(state.lookups).toBe(lookupsBefore + 1);
  revoked.add(minted.id);
  verifier.evict(minted.id);
  await expect(verifier.verify(minted.key)).rejects.toMatchObject({ name: "UnavailableError" });
});

test("verifications of one key that arrive together share one database lookup", async () => {
  const minted = mintApiKey();
  const { store, state } = fakeStore(minted);
  const verifier = new KeyVerifier(store);
  const results = await Promise.all(Array.from({ length: 50 }, () => verifier.verify(minted.key)));
  expect(results.every((r) => r.ok)).toBe(true);
  expect(state.lookups).toBe(1);
});
