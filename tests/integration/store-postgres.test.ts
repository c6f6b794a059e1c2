// alkhub-test: once
/** Postgres-only behaviour of the store: the migration lock, recovery after lost connections, open errors. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { is, sql } from "drizzle-orm";
import { PgTable } from "drizzle-orm/pg-core";
import postgres from "postgres";
import { UnavailableError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log/index.ts";
import { accounts, migrations, openStore, type Store, schema } from "../../src/store/index.ts";
import { eventually } from "../support/eventually.ts";
import {
  createTestDatabase,
  describeWithServices,
  POSTGRES_ADMIN_URL,
  type TestDatabase,
} from "../support/services.ts";
import { startTcpProxy } from "../support/tcp-proxy.ts";

const embedded = { dataDir: "/nonexistent-unused" };

describeWithServices("postgres store", () => {
  const databases: TestDatabase[] = [];
  let admin: postgres.Sql;
  beforeAll(() => {
    admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin.end();
    for (const database of databases) await database.drop();
  });
  const fresh = async () => {
    const database = await createTestDatabase();
    databases.push(database);
    return database;
  };

  test("four stores migrating one empty database at once all succeed, and the work is done once", async () => {
    const database = await fresh();
    const stores = await Promise.all(
      [1, 2, 3, 4].map(() =>
        openStore({ postgres: { url: database.url, maxConnections: 2 }, embedded, log: silentLogger }),
      ),
    );
    try {
      const results = await Promise.all(stores.map((s) => s.migrate()));
      expect(results.map((r) => r.applied).sort()).toEqual([0, 0, 0, migrations.length].sort());
      const tables = await stores[0]!.db._.session.all<{ n: number }>(
        sql`select count(*)::int as n from pg_catalog.pg_tables where schemaname = 'public'`,
      );
      // Every table of the schema, created once.
      expect(tables[0]?.n).toBe(Object.values(schema).filter((value) => is(value, PgTable)).length);
      expect(await stores[3]!.migrationStatus()).toEqual(
        migrations.map((m) => ({ tag: m.tag, applied: true })),
      );
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test("ping fails while the database is unreachable and recovers when it is back", async () => {
    const database = await fresh();
    const store: Store = await openStore({ postgres: { url: database.url }, embedded, log: silentLogger });
    try {
      await store.migrate();
      await store.ping();
      await admin.unsafe(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS false`);
      await admin.unsafe(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database.name}' AND pid <> pg_backend_pid()`,
      );
      // Every pooled connection is dead and no new one may open: ping must reject, not hang.
      await eventually(
        () =>
          store.ping().then(
            () => false,
            () => true,
          ),
        { timeoutMs: 15_000, what: "ping rejecting" },
      );
      await expect(store.ping()).rejects.toThrow();
      await admin.unsafe(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
      await eventually(() => store.ping(), { timeoutMs: 15_000, what: "ping after recovery" });
      await store.db.insert(accounts).values({ name: "after-recovery" });
      expect((await store.db.select().from(accounts)).map((a) => a.name)).toEqual(["after-recovery"]);
    } finally {
      await admin.unsafe(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
      await store.close();
    }
  }, 40_000);

  test("LISTEN comes back after an outage longer than a reconnect, and says when it was lost", async () => {
    const database = await fresh();
    const store = await openStore({ postgres: { url: database.url }, embedded, log: silentLogger });
    const heard: string[] = [];
    const relistens: number[] = [];
    const notifier = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      await store.listen!(
        "store_test",
        (payload) => heard.push(payload),
        (lostAt) => relistens.push(lostAt),
      );
      await notifier`select pg_notify('store_test', 'before')`;
      await eventually(() => heard.includes("before"), { timeoutMs: 10_000, what: "the first NOTIFY" });
      await notifier.end();
      const cutAt = Date.now();
      await admin.unsafe(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS false`);
      await admin.unsafe(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database.name}' AND pid <> pg_backend_pid()`,
      );
      // Longer than postgres.js's one attempt to listen again (which is what used to be lost for good).
      await Bun.sleep(3000);
      expect(relistens).toEqual([]);
      await admin.unsafe(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
      await eventually(() => relistens.length === 1, { timeoutMs: 15_000, what: "listening again" });
      expect(relistens[0]!).toBeGreaterThanOrEqual(cutAt);
      expect(relistens[0]!).toBeLessThan(cutAt + 3000);
      const after = postgres(database.url, { max: 1, onnotice: () => {} });
      await after`select pg_notify('store_test', 'after')`;
      await after.end();
      await eventually(() => heard.includes("after"), {
        timeoutMs: 10_000,
        what: "a NOTIFY after the outage",
      });
    } finally {
      await admin.unsafe(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
      await notifier.end().catch(() => {});
      await store.close();
    }
  }, 60_000);

  test("queries work again after the server kills the store's connections", async () => {
    const database = await fresh();
    const store = await openStore({ postgres: { url: database.url }, embedded, log: silentLogger });
    try {
      await store.migrate();
      await admin.unsafe(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database.name}' AND pid <> pg_backend_pid()`,
      );
      await eventually(() => store.ping(), { timeoutMs: 15_000, what: "ping after terminate" });
      expect(await store.db.select().from(accounts)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 30_000);

  test("a COPY that outlives its deadline on a silent network fails at the deadline; the next opens a new connection", async () => {
    const database = await fresh();
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    const url = database.url.replace("127.0.0.1:5432", `127.0.0.1:${proxy.port}`);
    const store = await openStore({ postgres: { url }, embedded, log: silentLogger });
    const line = (name: string) => `${name}\t${name}\n`;
    const copy = (names: string[], timeoutMs: number) =>
      store.copyFrom("accounts", ["id", "name"], names.map(line), timeoutMs);
    const names = async () => (await store.db.select().from(accounts)).map((a) => a.name).sort();
    try {
      await store.migrate();
      await copy(["a1", "a2"], 5_000);
      proxy.freeze();
      const started = Date.now();
      await expect(copy(["b1"], 1_000)).rejects.toThrow("COPY into accounts did not answer within 1000 ms");
      expect(Date.now() - started).toBeLessThan(10_000);
      // The frozen connection is dropped, not reused: once the network answers again a new one writes.
      proxy.thaw();
      await eventually(
        () =>
          copy(["c1"], 5_000).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 15_000, what: "a COPY after the thaw" },
      );
      // A refused COPY (a duplicate id) leaves its connection usable.
      await expect(copy(["a1"], 5_000)).rejects.toMatchObject({ code: "23505" });
      await copy(["d1"], 5_000);
      expect((await names()).filter((n) => n !== "b1")).toEqual(["a1", "a2", "c1", "d1"]);
    } finally {
      proxy.thaw();
      await store.close();
      proxy.stop();
    }
  }, 40_000);

  test("an unreachable server is an UnavailableError naming host:port/database but never the password", async () => {
    const password = "s3cret-pw-xyz";
    const error = await openStore({
      postgres: { host: "127.0.0.1", port: 1, user: "postgres", password, database: "nowhere" },
      embedded,
      log: silentLogger,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain("127.0.0.1:1/nowhere");
    expect((error as Error).message).not.toContain(password);

    const viaUrl = await openStore({
      postgres: { url: `postgres://postgres:${password}@127.0.0.1:5432/alkhub_no_such_db` },
      embedded,
      log: silentLogger,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(viaUrl).toBeInstanceOf(UnavailableError);
    expect((viaUrl as Error).message).toContain("127.0.0.1:5432/alkhub_no_such_db");
    expect((viaUrl as Error).message).not.toContain(password);
  });
});
