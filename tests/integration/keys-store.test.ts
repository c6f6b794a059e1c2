// alkhub-test: once
/** API keys against a real Postgres: what is stored, what is audited, how verification and its cache behave. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import {
  AUTH_NOTIFY_CHANNEL,
  createApiKey,
  KeyVerifier,
  listApiKeys,
  mintApiKey,
  parseRevocation,
  Revocations,
  revokeApiKey,
  verifyApiKey,
} from "../../src/auth/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import { apiKeys, auditLogs, openStore, type Store } from "../../src/store/index.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";

describeWithServices("api keys in the store", () => {
  let database: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = await openStore({
      postgres: { url: database.url },
      embedded: { dataDir: "/unused" },
      log: silentLogger,
    });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  /** Every text-ish column of api_keys and audit_logs, as text. */
  async function everyStoredText(): Promise<string> {
    const parts: string[] = [];
    for (const table of ["api_keys", "audit_logs"]) {
      const rows = await store.db._.session.all<Record<string, unknown>>(
        sql.raw(`select to_jsonb(t)::text as row from ${table} t`),
      );
      parts.push(...rows.map((r) => String(r.row)));
    }
    return parts.join("\n");
  }

  test("the plaintext key and its secret are in no table; the hash and id are", async () => {
    const { key, record } = await createApiKey(store, {
      account: "acme",
      name: "ci",
      scopes: ["call", "read"],
      operations: ["fs.*"],
    });
    await verifyApiKey(store, key);
    await revokeApiKey(store, record.id);
    const stored = await everyStoredText();
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice(17));
    expect(stored).toContain(record.id);
    const [row] = await store.db.select().from(apiKeys).where(sql`${apiKeys.id} = ${record.id}`);
    expect(row?.keyHash).toBe(new Bun.CryptoHasher("sha256").update(key).digest("hex"));
  });

  test("create and revoke write audit rows with the key id as target", async () => {
    const { record } = await createApiKey(store, {
      account: "acme",
      name: "audited",
      scopes: ["read"],
      actor: { keyId: "adminKey0001", address: "127.0.0.1" },
    });
    await revokeApiKey(store, record.id, { keyId: "adminKey0001" });
    expect(await revokeApiKey(store, "nokey0000000")).toBe(false);
    const rows = await store.db
      .select()
      .from(auditLogs)
      .where(sql`${auditLogs.target} in (${record.id}, 'nokey0000000')`)
      .orderBy(auditLogs.at);
    expect(rows.map((r) => [r.action, r.target, r.outcome, r.actorKeyId])).toEqual([
      ["key.create", record.id, "ok", "adminKey0001"],
      ["key.revoke", record.id, "ok", "adminKey0001"],
      ["key.revoke", "nokey0000000", "not-found", null],
    ]);
    expect(rows[0]?.address).toBe("127.0.0.1");
  });

  test("verification refuses malformed, unknown, wrong-secret, disabled keys", async () => {
    const { key, record } = await createApiKey(store, { account: "acme", name: "v", scopes: ["spoke"] });
    expect(await verifyApiKey(store, "Bearer nonsense")).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyApiKey(store, mintApiKey().key)).toEqual({ ok: false, reason: "unknown" });
    const wrongSecret = `alk_${record.id}_${mintApiKey().key.slice(17)}`;
    expect(await verifyApiKey(store, wrongSecret)).toEqual({ ok: false, reason: "unknown" });
    await store.db.update(apiKeys).set({ enabled: false }).where(sql`${apiKeys.id} = ${record.id}`);
    expect(await verifyApiKey(store, key)).toEqual({ ok: false, reason: "disabled" });
  });

  test("verification records last use; list shows records without hashes", async () => {
    const { key, record } = await createApiKey(store, {
      account: "other",
      name: "listed",
      scopes: ["spoke"],
      spokeNames: ["dev-*"],
    });
    expect(record.lastUsedAt).toBeNull();
    await verifyApiKey(store, key);
    const listed = (await listApiKeys(store)).find((r) => r.id === record.id);
    expect(listed?.lastUsedAt).toBeInstanceOf(Date);
    expect(listed).toMatchObject({ accountName: "other", spokeNames: ["dev-*"], operations: ["*"] });
    expect(JSON.stringify(listed)).not.toContain("keyHash");
    expect(Object.keys(listed ?? {})).not.toContain("keyHash");
  });

  test("invalid input is refused before anything is written", async () => {
    const before = (await listApiKeys(store)).length;
    await expect(createApiKey(store, { account: "acme", name: "x", scopes: [] })).rejects.toThrow(
      /at least one/,
    );
    await expect(
      createApiKey(store, { account: "acme", name: "x", scopes: ["root" as "admin"] }),
    ).rejects.toThrow(/unknown scope "root"/);
    expect((await listApiKeys(store)).length).toBe(before);
  });

  test("KeyVerifier caches by hash for its ttl, evicts on demand, and never caches refusals", async () => {
    let now = Date.now();
    const verifier = new KeyVerifier(store, { ttlMs: 30_000, now: () => now });
    const { key, record } = await createApiKey(store, { account: "acme", name: "cached", scopes: ["call"] });
    expect((await verifier.verify(key)).ok).toBe(true);
    expect(verifier.size).toBe(1);
    await revokeApiKey(store, record.id);
    // Within the ttl the cached identity is still served: that is the documented 30 s window.
    expect((await verifier.verify(key)).ok).toBe(true);
    now += 30_001;
    expect(await verifier.verify(key)).toEqual({ ok: false, reason: "revoked" });
    expect(verifier.size).toBe(0);

    const second = await createApiKey(store, { account: "acme", name: "evicted", scopes: ["call"] });
    expect((await verifier.verify(second.key)).ok).toBe(true);
    await revokeApiKey(store, second.record.id);
    verifier.evict(second.record.id);
    expect(await verifier.verify(second.key)).toEqual({ ok: false, reason: "revoked" });
    expect(await verifier.verify("alk_bad")).toEqual({ ok: false, reason: "malformed" });
    expect(verifier.size).toBe(0);
  });

  test("a verification that raced a revocation neither caches the key nor lets it through", async () => {
    const revocations = new Revocations();
    const verifier = new KeyVerifier(store, { isRevoked: (id) => revocations.isRevoked(id) });
    revocations.onRevoked((id) => verifier.evict(id));
    const { key, record } = await createApiKey(store, { account: "acme", name: "racing", scopes: ["call"] });
    // The database read starts before the revocation is heard and answers after it: the row still looks valid.
    const racing = verifier.verify(key);
    revocations.revoked(record.id);
    expect(await racing).toEqual({ ok: false, reason: "revoked" });
    expect(verifier.size).toBe(0);
    // Another key whose read merely overlapped an eviction is answered but not cached (it is read again).
    const other = await createApiKey(store, { account: "acme", name: "bystander", scopes: ["call"] });
    const overlapping = verifier.verify(other.key);
    verifier.evict("someone-else");
    expect((await overlapping).ok).toBe(true);
    expect(verifier.size).toBe(0);
    expect((await verifier.verify(other.key)).ok).toBe(true);
    expect(verifier.size).toBe(1);
  });

  test("revoking notifies Postgres listeners in the same transaction (reaching hubs without Redis)", async () => {
    const heard: string[] = [];
    const stop = await store.listen!(AUTH_NOTIFY_CHANNEL, (payload) => {
      const id = parseRevocation(payload);
      if (id) heard.push(id);
    });
    try {
      const { record } = await createApiKey(store, { account: "acme", name: "notified", scopes: ["call"] });
      await revokeApiKey(store, record.id);
      await revokeApiKey(store, record.id); // already revoked: no second notice
      const deadline = Date.now() + 10_000;
      while (!heard.includes(record.id) && Date.now() < deadline) await Bun.sleep(20);
      expect(heard).toEqual([record.id]);
    } finally {
      await stop();
    }
  });

  test("KeyVerifier does not serve a key past its expiry from the cache", async () => {
    let now = Date.now();
    const verifier = new KeyVerifier(store, { now: () => now });
    const expiresAt = new Date(now + 5_000);
    const { key } = await createApiKey(store, {
      account: "acme",
      name: "expiring",
      scopes: ["read"],
      expiresAt,
    });
    expect((await verifier.verify(key)).ok).toBe(true);
    now += 5_001;
    expect(await verifier.verify(key)).toEqual({ ok: false, reason: "expired" });
  });
});
