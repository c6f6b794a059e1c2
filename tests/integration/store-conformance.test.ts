// alkhub-test: once
/**
 * The store seam's conformance suite: the same cases against real Postgres (a fresh database) and embedded
 * PGlite (a temp data dir, opened once for the whole file because its first start is slow).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { createApiKey, revokeApiKey, verifyApiKey } from "../../src/auth/index.ts";
import { UnavailableError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log/index.ts";
import {
  accounts,
  apiKeys,
  clientSecrets,
  clients,
  LOCK_FILE_NAME,
  migrations,
  openStore,
  operations,
  type Store,
  spokes,
  sqlStateOf,
} from "../../src/store/index.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";

const TABLES = [
  "accounts",
  "api_keys",
  "audit_logs",
  "calls",
  "client_secrets",
  "clients",
  "mcp_sessions",
  "mcp_tasks",
  "operations",
  "spokes",
];
// A first initdb took 45–95 s on the shared 2-core box under load (the in-thread store as much as the worker).
const PGLITE_START_MS = 180_000;

interface Backend {
  open(): Promise<Store>;
  teardown(): Promise<void>;
}

/** Registers the shared cases; returns the suite's store for backend-specific tests that follow. */
function conformance(kind: "postgres" | "embedded", backend: () => Backend): () => Store {
  let store: Store;
  beforeAll(async () => {
    store = await backend().open();
  }, PGLITE_START_MS);
  afterAll(async () => {
    await store?.close();
  });

  test("reports its kind and answers ping", async () => {
    expect(store.kind).toBe(kind);
    await store.ping();
  });

  test("migrate creates every table and records every migration", async () => {
    expect((await store.migrationStatus()).every((m) => !m.applied)).toBe(true);
    expect(await store.migrate()).toEqual({ applied: migrations.length });
    const rows = await store.db._.session.all<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(TABLES);
    expect(await store.migrationStatus()).toEqual(migrations.map((m) => ({ tag: m.tag, applied: true })));
  });

  test("a second migrate applies nothing", async () => {
    expect(await store.migrate()).toEqual({ applied: 0 });
  });

  test("a key can be created, verified, revoked", async () => {
    const { key, record } = await createApiKey(store, { account: "acme", name: "k1", scopes: ["call"] });
    const ok = await verifyApiKey(store, key);
    expect(ok).toEqual({
      ok: true,
      identity: {
        keyId: record.id,
        accountId: record.accountId,
        accountName: "acme",
        scopes: ["call"],
        spokeNames: [],
        operations: ["*"],
        expiresAt: null,
      },
    });
    expect(await revokeApiKey(store, record.id)).toBe(true);
    expect(await verifyApiKey(store, key)).toEqual({ ok: false, reason: "revoked" });
    expect(await revokeApiKey(store, record.id)).toBe(false);
  });

  test("an expired key is refused", async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const { key } = await createApiKey(store, {
      account: "acme",
      name: "short",
      scopes: ["read"],
      expiresAt,
    });
    expect((await verifyApiKey(store, key)).ok).toBe(true);
    expect(await verifyApiKey(store, key, new Date(expiresAt.getTime() + 1))).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  test("deleting an account cascades to its keys and clients, and a spoke's operations go with it", async () => {
    const { record } = await createApiKey(store, { account: "doomed", name: "k", scopes: ["spoke"] });
    const [client] = await store.db
      .insert(clients)
      .values({ accountId: record.accountId, name: "c1" })
      .returning();
    await store.db
      .insert(clientSecrets)
      .values({ clientId: client!.id, name: "s", keyVersion: 1, sealed: "x" });
    const [spoke] = await store.db
      .insert(spokes)
      .values({ name: `dev-${kind}`, accountId: record.accountId, status: "online" })
      .returning();
    await store.db
      .insert(operations)
      .values({ spokeId: spoke!.id, name: `dev-${kind}.fs.read`, localName: "fs.read", type: "query" });

    await store.db.delete(spokes).where(eq(spokes.id, spoke!.id));
    expect(await store.db.select().from(operations).where(eq(operations.spokeId, spoke!.id))).toEqual([]);

    await store.db.delete(accounts).where(eq(accounts.id, record.accountId));
    expect(await store.db.select().from(apiKeys).where(eq(apiKeys.id, record.id))).toEqual([]);
    expect(await store.db.select().from(clients).where(eq(clients.id, client!.id))).toEqual([]);
    expect(await store.db.select().from(clientSecrets).where(eq(clientSecrets.clientId, client!.id))).toEqual(
      [],
    );
  });

  test("constraints hold: unique names, status values", async () => {
    const [account] = await store.db.insert(accounts).values({ name: "constrained" }).returning();
    expect(account?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(account?.metadata).toEqual({});
    await expect(settle(store.db.insert(accounts).values({ name: "constrained" }))).rejects.toThrow();
    await expect(
      settle(
        store.db
          .insert(spokes)
          .values({ name: "bad-status", accountId: account!.id, status: "lost" as "online" }),
      ),
    ).rejects.toThrow();
  });
  test("a transaction commits all or nothing; a refused statement keeps its SQLSTATE", async () => {
    const names = (prefix: string) =>
      store.db
        .select({ name: accounts.name })
        .from(accounts)
        .where(sql`${accounts.name} like ${`${prefix}%`}`)
        .orderBy(accounts.name);
    await store.db.transaction(async (tx) => {
      await tx.insert(accounts).values({ name: "tx-a" });
      await tx.insert(accounts).values({ name: "tx-b" });
    });
    expect(await names("tx-")).toEqual([{ name: "tx-a" }, { name: "tx-b" }]);
    const refused = await store.db
      .transaction(async (tx) => {
        await tx.insert(accounts).values({ name: "tx-c" });
        await tx.insert(accounts).values({ name: "tx-a" });
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(sqlStateOf(refused)).toBe("23505");
    expect(await names("tx-")).toEqual([{ name: "tx-a" }, { name: "tx-b" }]);
    const thrown = await store.db
      .transaction(async (tx) => {
        await tx.insert(accounts).values({ name: "tx-d" });
        throw new Error("changed my mind");
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect((thrown as Error).message).toBe("changed my mind");
    expect(await names("tx-")).toEqual([{ name: "tx-a" }, { name: "tx-b" }]);
  });

  return () => store;
}

/** Drizzle builders are thenables, not promises: `expect().rejects` needs a real promise. */
async function settle(query: PromiseLike<unknown>): Promise<unknown> {
  return await query;
}

describeWithServices("store conformance: postgres", () => {
  let database: TestDatabase;
  conformance("postgres", () => ({
    async open() {
      database = await createTestDatabase();
      return openStore({
        postgres: { url: database.url },
        embedded: { dataDir: "/nonexistent" },
        log: silentLogger,
      });
    },
    async teardown() {},
  }));
  afterAll(async () => {
    await database?.drop();
  });
});

describe("store conformance: embedded", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "alkhub-store-"));
  const options = { embedded: { dataDir }, log: silentLogger, command: "alkhub test" };
  const current = conformance("embedded", () => ({
    open: () => openStore(options),
    teardown: async () => {},
  }));

  describe("data dir lock", () => {
    test("a second open of the same data dir fails and names the holder's pid and command", async () => {
      const error = await openStore(options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnavailableError);
      const message = (error as Error).message;
      expect(message).toContain(
        `embedded data dir ${dataDir} is in use by pid ${process.pid} (alkhub test, since `,
      );
      // No advice to stop it: the CLI reaches a running hub through its admin API instead (cli-client.test.ts).
      expect(message).toContain("only one process may open it");
      expect(message).not.toContain("stop");
    });

    test(
      "close releases the lock; a stale lock left by a dead pid is taken over",
      async () => {
        await current().close();
        const lockPath = join(dataDir, LOCK_FILE_NAME);
        expect(() => readFileSync(lockPath)).toThrow();
        const dead = Bun.spawn(["true"]);
        await dead.exited;
        writeFileSync(
          lockPath,
          JSON.stringify({
            pid: dead.pid,
            hostname: hostname(),
            startedAt: new Date().toISOString(),
            command: "x",
          }),
        );
        const reopened = await openStore(options);
        try {
          expect(JSON.parse(readFileSync(lockPath, "utf8")).pid).toBe(process.pid);
          expect(await reopened.migrate()).toEqual({ applied: 0 });
          const rows = await reopened.db.select().from(accounts).where(eq(accounts.name, "acme"));
          expect(rows).toHaveLength(1);
        } finally {
          await reopened.close();
        }
        expect(() => readFileSync(lockPath)).toThrow();
      },
      PGLITE_START_MS,
    );
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });
});
