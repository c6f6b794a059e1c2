// alkhub-test: once
/**
 * Redis outages under traffic, with three compiled hubs (docs/reliability.md): Redis killed for 10 s and
 * restarted on the same port, then frozen (SIGSTOP) for 10 s and let run again. A steady loop calls a spoke on A
 * from C (cross-instance) and from A itself. Promised, for either fault: calls on A to its own spoke keep
 * working; cross-instance calls fail fast with the retryable SPOKE_UNAVAILABLE (well before their deadline),
 * those in flight too; /health on every instance says degraded {"issues":["redis-unavailable"]} within 2 s.
 * Once Redis is back, with nothing restarted: cross-instance calls resume within 2 s, /health is ok, presence
 * holds the name again (NAME_TAKEN elsewhere), subscriptions cross instances, and a revocation made on one
 * instance closes the key's connections on the others. A registration while Redis is away answers UNAVAILABLE
 * within the same bound (its name cannot be claimed), never a hang.
 *
 * ALKHUB_CHAOS_OUTAGE_MS sets how long each outage lasts (default 10 000).
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { connectSpoke, HubError, type Spoke } from "../../src/sdk/index.ts";
import {
  CLUSTER_REMOTE_ACK_MS,
  clusterHealth,
  connectClusterCaller,
  startCluster,
  type TestCluster,
  waitListedEverywhere,
} from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { type McpTestKey, makeKey } from "../support/mcp-client.ts";
import { describeWithServices } from "../support/services.ts";
import { connectTestSpoke, type TestSpoke, testSpokeOperationCount } from "../support/spoke-kit.ts";
import { rawOperation, WsTestClient } from "../support/ws-client.ts";

/** One call of the steady loop. */
interface Outcome {
  from: "A" | "C";
  startedAt: number;
  endedAt: number;
  code: string;
}

/**
 * Whether a /health body reports Redis as down. Other issues may sit beside it: on a loaded CI box the event
 * loop of every instance can lag for seconds (`event-loop-lag`), which is true and says nothing about Redis.
 */
const redisDown = (h: unknown) =>
  (h as { status?: string }).status === "degraded" &&
  ((h as { issues?: string[] }).issues ?? []).includes("redis-unavailable");
/** Whether a /health body is ok as far as the dependencies go (event-loop lag aside, as above). */
const dependenciesOk = (h: unknown) =>
  (h as { status?: string }).status === "ok" ||
  ((h as { issues?: string[] }).issues ?? []).every((issue) => issue === "event-loop-lag");
const OUTAGE_MS = Number(process.env.ALKHUB_CHAOS_OUTAGE_MS ?? 10_000);
/** How soon /health must say degraded, and calls must resume once Redis is back. */
const NOTICE_MS = 2000;
const TEST_TIMEOUT_MS = OUTAGE_MS + 60_000;

/** The two ways Redis goes away: gone (connections refused) or hung (connections open, nothing answers). */
const FAULTS = {
  killed: { down: (c: TestCluster) => c.redis.kill(), up: (c: TestCluster) => c.redis.restart() },
  frozen: {
    down: async (c: TestCluster) => c.redis.freeze(),
    up: async (c: TestCluster) => c.redis.thaw(),
  },
} as const;

describeWithServices("cluster: Redis outages under traffic", () => {
  let cluster: TestCluster;
  let key: McpTestKey;
  let dev1: TestSpoke;
  let callerA: Spoke;
  let callerC: Spoke;

  beforeAll(async () => {
    cluster = await startCluster();
    key = await makeKey(cluster, { scopes: ["spoke", "call", "read"], spokeNames: ["dev*", "caller*"] });
    dev1 = await connectTestSpoke(cluster.get("A").wsUrl, key.key, "dev1");
    const caller = (label: string) => connectClusterCaller(cluster, label, key.key);
    callerA = await caller("A");
    callerC = await caller("C");
    await waitListedEverywhere(cluster, key.key, "dev1", testSpokeOperationCount());
    await eventually(() => callerC.call("dev1.math.add", { a: 1, b: 1 }), { what: "C reaches dev1" });
  }, 60_000);

  // A failed test must not leave Redis away for the next one.
  let redisAway: { up: () => Promise<void> } | undefined;
  afterEach(async () => {
    await redisAway?.up();
    redisAway = undefined;
  });

  afterAll(async () => {
    cluster?.redis.thaw();
    dev1?.hold.current.release();
    for (const spoke of [dev1?.spoke, callerA, callerC]) await spoke?.close().catch(() => {});
    await cluster?.stop();
  });

  for (const [fault, { down, up }] of Object.entries(FAULTS)) {
    test(
      `Redis ${fault} for ${OUTAGE_MS} ms: local calls go on, cross-instance calls fail fast, all resumes by itself`,
      async () => {
        const outcomes: Outcome[] = [];
        let running = true;
        const loop = async (from: "A" | "C", caller: Spoke) => {
          for (let i = 0; running; i++) {
            const startedAt = Date.now();
            const code = await caller
              .call<number>("dev1.math.add", { a: i, b: 1 }, { timeoutMs: 10_000 })
              .then((out) => (out === i + 1 ? "OK" : `WRONG ${out}`))
              .catch((error: unknown) => (error instanceof HubError ? error.code : String(error)));
            outcomes.push({ from, startedAt, endedAt: Date.now(), code });
            await Bun.sleep(20);
          }
        };
        const loops = [loop("A", callerA), loop("C", callerC)];
        const flowingSince = Date.now();
        await eventually(
          () =>
            outcomes.filter((o) => o.code === "OK" && o.from === "C" && o.startedAt >= flowingSince).length >=
            10,
          { what: "traffic flowing" },
        );
        // Calls in flight across instances when Redis goes away.
        const startedBefore = dev1.hold.started.length;
        const inFlight = Array.from({ length: 3 }, () =>
          callerC.call("dev1.slow.wait", {}, { timeoutMs: 10_000 }).then(
            () => ({ code: "OK", at: Date.now() }),
            (error: HubError) => ({ code: error.code, at: Date.now() }),
          ),
        );
        await eventually(() => dev1.hold.started.length === startedBefore + 3, {
          what: "slow calls running",
        });

        const downAt = Date.now();
        await down(cluster);
        redisAway = { up: () => up(cluster) };
        const seen: string[] = [];
        const degraded = await eventually(
          async () => {
            const health = await clusterHealth(cluster);
            seen.push(`${Date.now() - downAt} ms ${JSON.stringify(health)}`);
            return Object.values(health).every(redisDown) && health;
          },
          { timeoutMs: 10_000, intervalMs: 25, what: "every instance degraded" },
        ).catch((error: Error) => {
          throw new Error(`${error.message}; health seen: ${seen.slice(-3).join("; ")}`);
        });
        const degradedAfter = Date.now() - downAt;
        const failedInFlight = await Promise.all(inFlight);
        console.log(
          `Redis ${fault}: /health degraded everywhere after ${degradedAfter} ms; in-flight C→A calls ended ` +
            failedInFlight.map((r) => `${r.code} after ${r.at - downAt} ms`).join(", "),
        );
        expect(Object.keys(degraded).sort()).toEqual(["A", "B", "C"]);
        expect(degradedAfter, `health seen: ${seen.slice(-5).join("; ")}`).toBeLessThanOrEqual(NOTICE_MS);
        for (const result of failedInFlight) {
          expect(result.code).toBe("SPOKE_UNAVAILABLE");
          expect(result.at - downAt).toBeLessThanOrEqual(NOTICE_MS + CLUSTER_REMOTE_ACK_MS);
        }
        // A registration while Redis is away cannot claim its name: UNAVAILABLE (retryable), promptly, not a hang.
        const registering = await WsTestClient.connect(cluster.get("A").wsUrl, { token: key.key });
        const registerStarted = Date.now();
        const registerAnswer = await registering.register({
          name: `dev-during-${fault}`,
          operations: [rawOperation("x")],
        });
        const registerMs = Date.now() - registerStarted;
        registering.close();
        console.log(
          `Redis ${fault}: a registration answered ${registerAnswer.payload.code} after ${registerMs} ms`,
        );
        expect(registerAnswer.type).toBe("call.error");
        expect(registerAnswer.payload.code).toBe("UNAVAILABLE");
        expect(registerMs).toBeLessThanOrEqual(NOTICE_MS + CLUSTER_REMOTE_ACK_MS);
        // Keep Redis away a while under traffic.
        await Bun.sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
        const upAt = Date.now();
        await up(cluster);
        redisAway = undefined;

        const healthyAgain = await eventually(
          async () => {
            const health = await clusterHealth(cluster);
            return Object.values(health).every(dependenciesOk) && Date.now();
          },
          { timeoutMs: 10_000, intervalMs: 50, what: "every instance ok again" },
        );
        const resumed = await eventually(
          () => {
            const ok = outcomes.find((o) => o.from === "C" && o.startedAt > upAt && o.code === "OK");
            return ok ? ok.endedAt : false;
          },
          { timeoutMs: 10_000, intervalMs: 50, what: "C→A calls resumed" },
        );
        console.log(
          `Redis back: /health ok after ${healthyAgain - upAt} ms, C→A calls resumed after ${resumed - upAt} ms`,
        );
        expect(resumed - upAt).toBeLessThanOrEqual(NOTICE_MS);
        // Let the traffic run a while after recovery: it must stay healthy.
        const settledAt = Date.now();
        await eventually(
          () =>
            outcomes.filter((o) => o.from === "C" && o.startedAt > settledAt && o.code === "OK").length >= 20,
          { timeoutMs: 10_000, what: "steady traffic after recovery" },
        );
        running = false;
        await Promise.all(loops);

        const mine = outcomes.filter((o) => o.startedAt >= flowingSince);
        const local = mine.filter((o) => o.from === "A");
        const cross = mine.filter((o) => o.from === "C");
        const crossFailed = cross.filter((o) => o.code !== "OK");
        const localDuring = local.filter((o) => o.startedAt >= downAt && o.startedAt < upAt);
        console.log(
          `traffic: A→A ${local.length} calls (${localDuring.length} while Redis was away), all ok: ${local.every((o) => o.code === "OK")}; ` +
            `C→A ${cross.length} calls, ${crossFailed.length} failed (${[...new Set(crossFailed.map((o) => o.code))].join(",")}), ` +
            `slowest failure ${Math.max(0, ...crossFailed.map((o) => o.endedAt - o.startedAt))} ms`,
        );
        expect(local.filter((o) => o.code !== "OK")).toEqual([]);
        expect(localDuring.length).toBeGreaterThan(10);
        for (const failure of crossFailed) {
          expect(failure.code).toBe("SPOKE_UNAVAILABLE");
          // Only calls made while Redis was away (or coming back), and fast: not at the 10 s deadline. A call
          // started just before the first success after the return may end just after it (its own failure time).
          expect(failure.startedAt).toBeGreaterThanOrEqual(downAt - CLUSTER_REMOTE_ACK_MS);
          expect(failure.startedAt).toBeLessThanOrEqual(resumed);
          expect(failure.endedAt - failure.startedAt).toBeLessThanOrEqual(NOTICE_MS + CLUSTER_REMOTE_ACK_MS);
        }
        expect(cross.filter((o) => o.startedAt > resumed && o.code !== "OK")).toEqual([]);

        // Presence is restored: the name is held again cluster-wide.
        const taken = await connectSpoke({
          url: cluster.get("B").wsUrl,
          token: key.key,
          name: "dev1",
          operations: {},
        }).then(
          async (spoke) => {
            await spoke.close();
            return "registered";
          },
          (error: unknown) => (error instanceof HubError ? error.code : String(error)),
        );
        expect(taken).toBe("NAME_TAKEN");
        // Subscriptions are restored: subscriptions, progress and aborts cross instances again.
        const items: number[] = [];
        for await (const item of callerC.subscribe<number>("dev1.count.up", { n: 5 })) items.push(item);
        expect(items).toEqual([1, 2, 3, 4, 5]);
        // Revocations are broadcast again: a key revoked through B loses its connection on C at once.
        await expectRevocationReaches(cluster);
      },
      TEST_TIMEOUT_MS,
    );
  }
});

async function expectRevocationReaches(cluster: TestCluster): Promise<void> {
  const admin = await makeKey(cluster, { scopes: ["admin"] });
  const doomed = await makeKey(cluster, { scopes: ["call"] });
  const onC = await WsTestClient.connect(cluster.get("C").wsUrl, { token: doomed.key });
  try {
    expect((await onC.call("hub.list", {})).type).toBe("call.responded");
    const response = await fetch(`${cluster.get("B").url}/api/v1/keys/${doomed.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin.key}` },
    });
    expect(response.status).toBe(200);
    expect((await onC.waitClosed(5000)).code).toBe(4401);
  } finally {
    onC.close();
  }
}
