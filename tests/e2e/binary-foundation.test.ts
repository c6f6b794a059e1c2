// alkhub-test: once
/**
 * The compiled binary against the real Postgres and Redis with an encrypted config: startup from `starting` to
 * `ok`, every table created, a clean stop, an idempotent second start, and four binaries migrating one empty
 * database at once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import postgres from "postgres";
import { freePort, type ServingHub, serveBinary } from "../support/binary.ts";
import { eventually } from "../support/eventually.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

const TABLES = [
  "accounts",
  "api_keys",
  "audit_logs",
  "calls",
  "client_secrets",
  "clients",
  "operations",
  "spokes",
];

async function tablesOf(url: string): Promise<string[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
    return rows.map((r) => r.table_name);
  } finally {
    await sql.end();
  }
}

describeWithServices("compiled binary on Postgres + Redis", () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let files: HubFiles;
  const running: ServingHub[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    files = await writeHubFiles({
      mode: "services",
      encrypt: true,
      postgresUrl: `postgres://postgres@127.0.0.1:${proxy.port}/${database.name}`,
      extra: { logging: { level: "info" }, startup: { connectTimeoutMs: 20_000 } },
    });
  });

  afterAll(async () => {
    for (const hub of running) if (hub.proc.exitCode === null) await hub.stop("SIGKILL");
    proxy?.stop();
    await files?.cleanup();
    await database?.drop();
  });

  test("the config on disk reveals neither the database nor Redis", async () => {
    const text = await Bun.file(files.configPath).text();
    expect(text).not.toContain("postgres://");
    expect(text).not.toContain("redis://");
    expect(text).toContain('"postgres": "enc:v1:');
  });

  test("health goes from starting to ok, every table exists, SIGTERM exits 0", async () => {
    proxy.pause();
    const hub = await serveBinary(files.configPath, files.keyPath);
    running.push(hub);
    await eventually(async () => {
      const health = await hub.health();
      expect(health).toEqual({ code: 503, body: { status: "starting", step: "connect-postgres" } });
    });
    proxy.resume();
    await eventually(async () => expect(await hub.health()).toEqual({ code: 200, body: { status: "ok" } }), {
      timeoutMs: 20_000,
    });
    expect(await tablesOf(database.url)).toEqual(expect.arrayContaining(TABLES));
    expect(await hub.stop("SIGTERM")).toBe(0);
    expect(hub.log()).toContain('"msg":"stopped"');
    expect(hub.log()).toMatch(/"msg":"migrations done".*"applied":[1-9]/);
  }, 40_000);

  test("a second start against the same database applies nothing", async () => {
    const hub = await serveBinary(files.configPath, files.keyPath);
    running.push(hub);
    await eventually(async () => expect((await hub.health())?.code).toBe(200), { timeoutMs: 15_000 });
    expect(await hub.stop()).toBe(0);
    expect(hub.log()).toMatch(/"msg":"migrations done".*"applied":0/);
  }, 30_000);

  test("four binaries started at once on one empty database all reach ok", async () => {
    const empty = await createTestDatabase();
    const shared = await writeHubFiles({
      mode: "services",
      database: empty,
      extra: { logging: { level: "info" } },
    });
    try {
      const hubs = await Promise.all([0, 1, 2, 3].map(() => serveBinary(shared.configPath, shared.keyPath)));
      running.push(...hubs);
      await eventually(
        async () => {
          const codes = await Promise.all(hubs.map(async (h) => (await h.health())?.code));
          expect(codes).toEqual([200, 200, 200, 200]);
        },
        { timeoutMs: 30_000 },
      );
      expect(await Promise.all(hubs.map((h) => h.stop()))).toEqual([0, 0, 0, 0]);
      // Read after exit: stderr is complete only then.
      const applied = hubs.map((h) =>
        Number(/"msg":"migrations done".*?"applied":(\d+)/.exec(h.log())?.[1] ?? -1),
      );
      expect(applied.filter((n) => n > 0)).toHaveLength(1);
      expect(applied.filter((n) => n === 0)).toHaveLength(3);
      expect(await tablesOf(empty.url)).toEqual(expect.arrayContaining(TABLES));
    } finally {
      await shared.cleanup();
      await empty.drop();
    }
  }, 60_000);

  test("an unreachable Postgres ends startup with exit 69 after connectTimeoutMs", async () => {
    const nowhere = await freePort();
    const broken = await writeHubFiles({
      mode: "services",
      postgresUrl: `postgres://postgres@127.0.0.1:${nowhere}/nothing`,
      extra: { startup: { connectTimeoutMs: 1000 } },
    });
    try {
      const hub = await serveBinary(broken.configPath, broken.keyPath);
      expect(await hub.proc.exited).toBe(69);
      expect(hub.log()).toContain('"step":"connect-postgres"');
    } finally {
      await broken.cleanup();
    }
  }, 20_000);
});
