// alkhub-test: once
import { afterAll, beforeAll, expect, test } from "bun:test";
import { freePort } from "../support/binary.ts";
import { eventually } from "../support/eventually.ts";
import { writeHubFiles } from "../support/hub-files.ts";
import { startRedisServer } from "../support/redis-server.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

async function health(url: string) {
  const response = await fetch(`${url}/health`);
  return { code: response.status, body: await response.json() };
}

describeWithServices(
  "startup gate, degraded health and recovery (real Postgres behind a proxy, own Redis)",
  () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let redis: Awaited<ReturnType<typeof startRedisServer>>;
    let testHub: TestHub | undefined;
    let url: string;
    let starting: Promise<TestHub>;

    beforeAll(async () => {
      database = await createTestDatabase();
      proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
      proxy.pause();
      redis = await startRedisServer();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const files = await writeHubFiles({
        mode: "services",
        postgresUrl: `postgres://postgres@127.0.0.1:${proxy.port}/${database.name}`,
        redisUrl: redis.url,
        extra: { server: { host: "127.0.0.1", port }, startup: { connectTimeoutMs: 20_000 } },
      });
      starting = startTestHub({ files });
    }, 30_000);

    afterAll(async () => {
      await testHub?.stop();
      await testHub?.files.cleanup();
      proxy?.stop();
      await redis?.stop();
      await database?.drop();
    }, 30_000);

    test("while Postgres is unreachable the hub says which step it waits in, and gates other paths", async () => {
      await eventually(async () => {
        expect(await health(url)).toEqual({
          code: 503,
          body: { status: "starting", step: "connect-postgres" },
        });
      });
      const other = await fetch(`${url}/api/v1/spokes`);
      expect(other.status).toBe(503);
      expect(other.headers.get("retry-after")).toBe("1");
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
    });

    test("it becomes ready by itself once Postgres is reachable", async () => {
      proxy.resume();
      testHub = await starting;
      expect(await health(url)).toEqual({ code: 200, body: { status: "ok" } });
    }, 30_000);

    test("losing Postgres turns health degraded; it recovers by itself", async () => {
      proxy.pause();
      await eventually(
        async () => {
          expect(await health(url)).toEqual({
            code: 503,
            body: { status: "degraded", issues: ["postgres-unavailable"] },
          });
        },
        { timeoutMs: 10_000 },
      );
      proxy.resume();
      await eventually(async () => expect(await health(url)).toEqual({ code: 200, body: { status: "ok" } }), {
        timeoutMs: 15_000,
      });
    }, 30_000);

    test("losing Redis turns health degraded; it recovers when Redis is back", async () => {
      await redis.kill();
      await eventually(
        async () => {
          expect(await health(url)).toEqual({
            code: 503,
            body: { status: "degraded", issues: ["redis-unavailable"] },
          });
        },
        { timeoutMs: 10_000 },
      );
      await redis.restart();
      await eventually(async () => expect(await health(url)).toEqual({ code: 200, body: { status: "ok" } }), {
        timeoutMs: 15_000,
      });
    }, 30_000);
  },
);
