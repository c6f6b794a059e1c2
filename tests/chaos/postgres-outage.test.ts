// alkhub-test: once
/**
 * Postgres outage under load (docs/reliability.md): a compiled hub on Postgres (reached through a TCP proxy the
 * test controls) and Redis, with callers keeping a spoke busy over /ws. Postgres is taken away for 10 s, twice:
 * refused (the proxy closes every connection and refuses new ones, as a stopped server does) and blackholed
 * (connections stay open and nothing comes back, as a dropped network does). Promised, for either fault:
 *
 * - /health says degraded (postgres-unavailable) during the cut and ok again soon after, by itself;
 * - relayed calls go on with no error (the relay needs no database);
 * - every call has its audit row once the database is back (rows counted against the calls made);
 * - a key verified before the cut keeps working past the cache's lifetime (bounded stale cache); a key never
 *   seen answers 503 UNAVAILABLE on REST, /mcp and the /ws upgrade — never 500 or SQL; a key revoked during the
 *   cut (announced on the bus) is refused and its /ws connection closed with 4401; a key revoked during the cut
 *   as the CLI does it (in the database only: its NOTIFY cannot reach the cut-off hub) has its /ws connection
 *   closed with 4401 once the database is back (the hub listens again and reads what changed meanwhile);
 * - registration answers UNAVAILABLE (retryable) within a bound — never UNKNOWN_ERROR, never a hang — and the
 *   spoke registers once the database is back; a spoke that leaves during the cut is offline in the table after
 *   (the failed catalog write is retried).
 *
 * ALKHUB_CHAOS_OUTAGE_MS sets how long each cut lasts (default 10 000).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createClient } from "@redis/client";
import { and, count, eq, gte } from "drizzle-orm";
import { AUTH_CHANNEL, revocationMessage, revokeApiKey } from "../../src/auth/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import { connectSpoke, HubError, type Spoke } from "../../src/sdk/index.ts";
import { calls, openStore, type Store, spokes } from "../../src/store/index.ts";
import { type ServingHub, serveBinary, waitForReady } from "../support/binary.ts";
import { eventually } from "../support/eventually.ts";
import { type HealthSample, sampleHealth } from "../support/health-sampler.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { type McpTestKey, makeKey } from "../support/mcp-client.ts";
import { startRedisServer, type TestRedisServer } from "../support/redis-server.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";
import { connectTestSpoke, type TestSpoke } from "../support/spoke-kit.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { rawOperation, WsTestClient } from "../support/ws-client.ts";

const OUTAGE_MS = Number(process.env.ALKHUB_CHAOS_OUTAGE_MS ?? 10_000);
/** The hub's key cache lifetime in this test: short, so the cut outlasts it and the stale path is what serves. */
const KEY_CACHE_TTL_MS = 1000;
/**
 * Caller connections, calls each keeps in flight, and the pause of each lane between its calls: about 1,000
 * calls a second in all on a quiet 2-core box — the load one key may sustain by default (`limits.perKey`).
 */
const CALLERS = 4;
const CONCURRENCY = 8;
const LANE_PAUSE_MS = 25;
/**
 * How long any answer during the cut may take: the deadlines one request can meet in turn (the first key
 * lookup after the cut, 5 s, then an MCP session's ledger write, 2 s), with slack for a loaded box. Nothing
 * waits for the database beyond its deadline.
 */
const ANSWER_BOUND_MS = 10_000;
/** How soon /health must say ok again after the database is back. */
const RECOVERY_BOUND_MS = 5000;
const OPERATION = "pgo.math.add";

/**
 * Whether a /health sample is ok as far as the dependencies go: `ok`, or degraded only for `event-loop-lag`
 * (on a loaded CI box the hub's loop lags under this test's own load; true, and unrelated to Postgres).
 */
const dependenciesOk = (s: HealthSample) =>
  s.status === "ok" || (s.status === "degraded" && (s.issues ?? []).every((i) => i === "event-loop-lag"));

const FAULTS = {
  refused: { down: (p: TcpProxy) => p.pause(), up: (p: TcpProxy) => p.resume() },
  blackholed: { down: (p: TcpProxy) => p.freeze(), up: (p: TcpProxy) => p.thaw() },
} as const;

describeWithServices("Postgres outage under load", () => {
  let database: TestDatabase;
  let redis: TestRedisServer;
  let proxy: TcpProxy;
  let files: HubFiles;
  let store: Store;
  let hub: ServingHub;
  let spokeKey: McpTestKey;
  let callerKey: McpTestKey;
  let pgo: TestSpoke;
  let callers: Spoke[] = [];
  const extraSpokes: Spoke[] = [];

  beforeAll(async () => {
    // A Redis of its own: on the shared one, other suites' hubs announce catalog changes this hub would act on.
    redis = await startRedisServer();
    database = await createTestDatabase();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    files = await writeHubFiles({
      mode: "services",
      postgresUrl: `postgres://postgres@127.0.0.1:${proxy.port}/${database.name}`,
      redisUrl: redis.url,
      extra: {
        logging: { level: process.env.ALKHUB_CHAOS_LOG ?? "warn" },
        auth: { keyCacheTtlMs: KEY_CACHE_TTL_MS },
        limits: { perKey: { maxConnections: 1000, callsPerSecond: 5000, callBurst: 10_000 } },
        registration: { perKeyPerMinute: 100_000 },
      },
    });
    hub = await serveBinary(files.configPath, files.keyPath);
    await waitForReady(hub, "the hub", 30_000);
    store = await openStore({
      postgres: { url: database.url, maxConnections: 2 },
      embedded: { dataDir: files.dir },
      log: silentLogger,
    });
    spokeKey = await makeKey({ store }, { scopes: ["spoke"], spokeNames: ["pgo*"] });
    callerKey = await makeKey({ store }, { scopes: ["call", "read", "spoke"], spokeNames: ["caller*"] });
    const wsUrl = `${hub.url.replace(/^http/, "ws")}/ws`;
    pgo = await connectTestSpoke(wsUrl, spokeKey.key, "pgo");
    callers = await Promise.all(
      Array.from({ length: CALLERS }, (_, i) =>
        connectSpoke({ url: wsUrl, token: callerKey.key, name: `caller${i}`, operations: {} }),
      ),
    );
    await eventually(() => callers[0]!.call(OPERATION, { a: 1, b: 1 }), { what: "pgo callable" });
  }, 60_000);

  afterAll(async () => {
    proxy?.thaw();
    proxy?.resume();
    for (const spoke of [...callers, ...extraSpokes, pgo?.spoke]) await spoke?.close().catch(() => {});
    if (hub && hub.proc.exitCode === null) await hub.stop("SIGTERM");
    if (process.env.ALKHUB_CHAOS_LOG) console.log(hub?.log());
    await store?.close();
    await files?.cleanup();
    proxy?.stop();
    await database?.drop();
    await redis?.stop();
  }, 60_000);

  for (const [fault, { down, up }] of Object.entries(FAULTS)) {
    test(
      `Postgres ${fault} for ${OUTAGE_MS} ms under load: calls, audit, keys, registration and health hold`,
      async () => {
        const wsUrl = `${hub.url.replace(/^http/, "ws")}/ws`;
        const tag = fault.slice(0, 3);
        // Keys: one used now (cached, then stale during the cut), one never seen, one revoked during the cut.
        const unseen = await makeKey({ store }, { scopes: ["call", "read"] });
        const doomed = await makeKey({ store }, { scopes: ["call", "read"] });
        expect((await restCall(hub.url, callerKey.key)).status).toBe(200);
        expect((await restCall(hub.url, doomed.key)).status).toBe(200);
        const doomedWs = await WsTestClient.connect(wsUrl, { token: doomed.key });
        const quiet = await makeKey({ store }, { scopes: ["call", "read"] });
        const quietWs = await WsTestClient.connect(wsUrl, { token: quiet.key });
        // A spoke that will leave during the cut: its offline row must reach the table afterwards.
        const leaving = await WsTestClient.connect(wsUrl, { token: spokeKey.key });
        expect(
          (await leaving.register({ name: `pgo-leave-${tag}`, operations: [rawOperation("x")] })).type,
        ).toBe("call.responded");
        // Rows are counted from here on: the calls above may still be on their way to the table.
        const loadSince = new Date();
        let restOk = 0;

        // Steady load: every caller keeps CONCURRENCY calls in flight.
        let running = true;
        let made = 0;
        const failures: string[] = [];
        const loops = callers.flatMap((caller) =>
          Array.from({ length: CONCURRENCY }, async (_, lane) => {
            for (let i = 0; running; i++) {
              made++;
              const out = await caller
                .call<number>(OPERATION, { a: i, b: lane }, { timeoutMs: 20_000 })
                .catch((error: unknown) => (error instanceof HubError ? error.code : String(error)));
              if (out !== i + lane) failures.push(String(out));
              await Bun.sleep(LANE_PAUSE_MS);
            }
          }),
        );
        const health = sampleHealth(hub.url, 100);
        try {
          await Bun.sleep(1000);
          const downAt = Date.now();
          down(proxy);
          const degradedAt = await eventually(
            () =>
              health.samples.find((s) => s.at >= downAt && s.issues?.includes("postgres-unavailable"))?.at ??
              false,
            { timeoutMs: 15_000, intervalMs: 50, what: "/health degraded" },
          ).catch(() => Number.POSITIVE_INFINITY);
          // Past the cache lifetime: what answers now comes from the stale cache or says UNAVAILABLE.
          await Bun.sleep(KEY_CACHE_TTL_MS + 200);
          const during = await checksDuringCut({ hub, wsUrl, callerKey, unseen, spokeKey, tag });
          restOk += during.restOk;
          // A revocation announced on the bus (as the revoking instance does) applies without the database.
          await revokeApiKey(store, doomed.id);
          await publishOnRedis(redis.url, AUTH_CHANNEL, revocationMessage(doomed.id));
          const doomedClose = await doomedWs.waitClosed(5000);
          const doomedRest = await restCall(hub.url, doomed.key);
          // Revoked as the CLI does it: in the database (which notifies), nothing on the bus.
          await revokeApiKey(store, quiet.id);
          leaving.close();
          await Bun.sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));

          const upAt = Date.now();
          up(proxy);
          const okAt = await eventually(
            () => health.samples.find((s) => s.at >= upAt && dependenciesOk(s))?.at ?? false,
            { timeoutMs: 30_000, intervalMs: 50, what: "/health ok again" },
          ).catch(() => Number.POSITIVE_INFINITY);
          // The spoke refused during the cut registers once the database is back (as its owner retries).
          const lateAt = Date.now();
          const late = await eventually(
            () => connectSpoke({ url: wsUrl, token: spokeKey.key, name: `pgo-late-${tag}`, operations: {} }),
            { timeoutMs: 20_000, intervalMs: 200, what: "registration after the cut" },
          );
          extraSpokes.push(late);
          const lateRegisteredMs = Date.now() - lateAt;
          const quietClose = await quietWs
            .waitClosed(20_000)
            .catch((error: Error) => ({ code: error.message }));
          const quietClosedMs = Date.now() - upAt;
          await Bun.sleep(1000);
          running = false;
          await Promise.all(loops);
          await health.stop();

          // Every call has its row.
          const expected = made + restOk;
          const rowsAt = await eventually(
            async () => ((await callRows(store, loadSince)) >= expected ? Date.now() : false),
            { timeoutMs: 30_000, intervalMs: 200, what: `${expected} audit rows` },
          ).catch(() => 0);
          const rows = await callRows(store, loadSince);
          const leftRow = await spokeRow(store, `pgo-leave-${tag}`);
          const lateRow = await spokeRow(store, `pgo-late-${tag}`);
          const issues = [...new Set(health.samples.flatMap((s) => s.issues ?? []))].join(",");
          const report =
            `Postgres ${fault}: /health issues seen ${issues}; degraded after ${degradedAt - downAt} ms; ok ${okAt - upAt} ms after it was back; ` +
            `calls ${made} (${failures.length} failed: ${[...new Set(failures)].slice(0, 5).join(",")}); ` +
            `audit rows ${rows} of ${made + restOk}${rowsAt ? ` (all ${rowsAt - upAt} ms after it was back)` : ""}; ` +
            `during the cut: ${during.summary}; revoked key: /ws closed ${doomedClose.code}, REST ${doomedRest.status}; ` +
            `key revoked in the database only: /ws closed ${quietClose.code} ${quietClosedMs} ms after it was back; ` +
            `late registration ${lateRegisteredMs} ms after ok; slowest /health ${health.slowest()?.ms.toFixed(0)} ms`;
          console.log(report);

          expect(degradedAt - downAt, report).toBeLessThanOrEqual(8000);
          expect(okAt - upAt, report).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
          expect(failures, report).toEqual([]);
          expect(made, report).toBeGreaterThan(100);
          expect(rows, report).toBe(made + restOk);
          expect(during.cachedRest, report).toBe(200);
          expect(during.cachedUpgrade, report).toBe("open");
          // A session opens: its ledger row is skipped (bounded), not waited for.
          expect(during.cachedMcp, report).toBe(200);
          for (const status of [during.unseenRest, during.unseenMcp, during.unseenUpgrade])
            expect(status, report).toEqual({ status: 503, code: "UNAVAILABLE" });
          expect(during.registration.code, report).toBe("UNAVAILABLE");
          expect(during.registration.ms, report).toBeLessThanOrEqual(ANSWER_BOUND_MS);
          expect(during.slowestMs, report).toBeLessThanOrEqual(ANSWER_BOUND_MS);
          expect(doomedClose.code, report).toBe(4401);
          expect([401, 503], report).toContain(doomedRest.status);
          expect(quietClose.code, report).toBe(4401);
          expect(leftRow?.status, report).toBe("offline");
          expect(lateRow?.status, report).toBe("online");
          expect(hub.log(), report).not.toContain("Failed query");
        } finally {
          running = false;
          proxy.thaw();
          proxy.resume();
          await Promise.all(loops);
          await health.stop();
          doomedWs.close();
          quietWs.close();
        }
      },
      OUTAGE_MS + 100_000,
    );
  }
});

interface DuringCut {
  cachedRest: number;
  cachedUpgrade: string;
  cachedMcp: number;
  unseenRest: { status: number; code: string };
  unseenMcp: { status: number; code: string };
  unseenUpgrade: { status: number; code: string };
  registration: { code: string; ms: number };
  restOk: number;
  slowestMs: number;
  summary: string;
}

/** What the hub answers while the database is away, with how long the slowest answer took. */
async function checksDuringCut(opts: {
  hub: ServingHub;
  wsUrl: string;
  callerKey: McpTestKey;
  unseen: McpTestKey;
  spokeKey: McpTestKey;
  tag: string;
}): Promise<DuringCut> {
  const { hub, wsUrl, callerKey, unseen, spokeKey, tag } = opts;
  let slowestMs = 0;
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      slowestMs = Math.max(slowestMs, performance.now() - started);
    }
  };
  const cachedP = timed(() => restCall(hub.url, callerKey.key));
  const cachedUpgradeP = timed(() =>
    WsTestClient.connect(wsUrl, { token: callerKey.key, timeoutMs: 10_000 }).then(
      (client) => {
        client.close();
        return "open";
      },
      (error: Error) => error.message,
    ),
  );
  const unseenRestP = timed(() => errorOf(restCall(hub.url, unseen.key)));
  const unseenMcpP = timed(() => errorOf(mcpInitialize(hub.url, unseen.key)));
  const cachedMcpP = timed(() => errorOf(mcpInitialize(hub.url, callerKey.key)));
  const unseenUpgradeP = timed(() =>
    errorOf(
      fetch(`${hub.url}/ws`, {
        headers: {
          authorization: `Bearer ${unseen.key}`,
          upgrade: "websocket",
          connection: "Upgrade",
          "sec-websocket-key": btoa("0123456789abcdef"),
          "sec-websocket-version": "13",
        },
        signal: AbortSignal.timeout(15_000),
      }),
    ),
  );
  // Registration while the catalog cannot be written.
  const registering = await WsTestClient.connect(wsUrl, { token: spokeKey.key, timeoutMs: 10_000 });
  const startedAt = performance.now();
  const answerP = registering
    .register({ name: `pgo-late-${tag}`, operations: [rawOperation("y")] })
    .catch((error: Error) => ({ type: "none", payload: { code: error.message } }));
  // All at once: against a blackholed database each waits for its deadline, and the cut lasts only 10 s.
  const [cached, cachedUpgrade, cachedMcp, unseenRest, unseenMcp, unseenUpgrade, answer] = await Promise.all([
    cachedP,
    cachedUpgradeP,
    cachedMcpP,
    unseenRestP,
    unseenMcpP,
    unseenUpgradeP,
    answerP,
  ]);
  const registration = {
    code: String(
      answer.type === "call.error" ? answer.payload.code : `${answer.type} ${answer.payload.code ?? ""}`,
    ),
    ms: performance.now() - startedAt,
  };
  slowestMs = Math.max(slowestMs, registration.ms);
  registering.close();
  const summary =
    `cached key REST ${cached.status}, upgrade ${cachedUpgrade}, MCP initialize ${cachedMcp.status}; unseen key REST ${JSON.stringify(unseenRest)}, ` +
    `MCP ${JSON.stringify(unseenMcp)}, upgrade ${JSON.stringify(unseenUpgrade)}; registration ${registration.code} ` +
    `after ${registration.ms.toFixed(0)} ms; slowest answer ${slowestMs.toFixed(0)} ms`;
  return {
    cachedRest: cached.status,
    cachedUpgrade,
    cachedMcp: cachedMcp.status,
    unseenRest,
    unseenMcp,
    unseenUpgrade,
    registration,
    restOk: cached.status === 200 ? 1 : 0,
    slowestMs,
    summary,
  };
}

/** An MCP `initialize` POST with `key`. */
function mcpInitialize(url: string, key: string): Promise<Response> {
  return fetch(`${url}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
    signal: AbortSignal.timeout(15_000),
  });
}

function restCall(url: string, key: string): Promise<Response> {
  return fetch(`${url}/api/v1/operations/${OPERATION}/call`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ a: 2, b: 3 }),
    signal: AbortSignal.timeout(15_000),
  });
}

async function errorOf(response: Promise<Response>): Promise<{ status: number; code: string }> {
  try {
    const answer = await response;
    const text = await answer.text();
    let code = text.slice(0, 120);
    try {
      code = (JSON.parse(text) as { code?: string }).code ?? code;
    } catch {
      // not JSON: the text itself is reported
    }
    return { status: answer.status, code };
  } catch (error) {
    return { status: 0, code: (error as Error).message };
  }
}

/** Audit rows of calls to OPERATION that started at `since` or later. */
async function callRows(store: Store, since: Date): Promise<number> {
  const [row] = await store.db
    .select({ n: count() })
    .from(calls)
    .where(and(eq(calls.operation, OPERATION), gte(calls.startedAt, since)));
  return row?.n ?? 0;
}

async function spokeRow(store: Store, name: string): Promise<{ status: string } | undefined> {
  const [row] = await store.db.select({ status: spokes.status }).from(spokes).where(eq(spokes.name, name));
  return row;
}

async function publishOnRedis(url: string, channel: string, message: string): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    await client.publish(channel, message);
  } finally {
    await client.close();
  }
}
