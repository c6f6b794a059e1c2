// alkhub-test: once
/**
 * Redis dies and comes back under traffic (ARCHITECTURE.md › Lifecycle, Many instances). A steady loop calls a
 * spoke on A from C (cross-instance) and from A itself. While Redis is down: calls on A to its own spoke keep
 * working, cross-instance calls fail fast (SPOKE_UNAVAILABLE, well before their deadline) — those in flight
 * too — and /health on every instance says degraded {"issues":["redis-unavailable"]}. Once Redis is back,
 * with nothing restarted, presence and subscriptions are restored by themselves: cross-instance calls work
 * again, the name is held again (NAME_TAKEN elsewhere), /health is ok.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connectSpoke, HubError, type Spoke } from "../../src/sdk/index.ts";
import {
  CLUSTER_REMOTE_ACK_MS,
  clusterHealth,
  startCluster,
  type TestCluster,
  waitListedEverywhere,
} from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { type McpTestKey, makeKey } from "../support/mcp-client.ts";
import { describeWithServices } from "../support/services.ts";
import { connectTestSpoke, type TestSpoke, testSpokeOperationCount } from "../support/spoke-kit.ts";

/** One call of the steady loop. */
interface Outcome {
  from: "A" | "C";
  startedAt: number;
  endedAt: number;
  code: string;
}

const DEGRADED = { status: "degraded", issues: ["redis-unavailable"] };
const OK = { status: "ok" };
/** How long Redis stays down. */
const OUTAGE_MS = 2500;

describeWithServices("cluster: Redis restarted under traffic", () => {
  let cluster: TestCluster;
  let key: McpTestKey;
  let dev1: TestSpoke;
  let callerA: Spoke;
  let callerC: Spoke;

  beforeAll(async () => {
    cluster = await startCluster();
    key = await makeKey(cluster, { scopes: ["spoke", "call", "read"], spokeNames: ["dev*", "caller*"] });
    dev1 = await connectTestSpoke(cluster.get("A").wsUrl, key.key, "dev1");
    const caller = (label: string) =>
      connectSpoke({ url: cluster.get(label).wsUrl, token: key.key, name: `caller${label}`, operations: {} });
    callerA = await caller("A");
    callerC = await caller("C");
    await waitListedEverywhere(cluster, key.key, "dev1", testSpokeOperationCount());
    await eventually(() => callerC.call("dev1.math.add", { a: 1, b: 1 }), { what: "C reaches dev1" });
  }, 60_000);

  afterAll(async () => {
    dev1?.hold.current.release();
    for (const spoke of [dev1?.spoke, callerA, callerC]) await spoke?.close().catch(() => {});
    await cluster?.stop();
  });

  test("local calls survive a Redis outage, cross-instance calls fail fast, and everything resumes by itself", async () => {
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
    await eventually(() => outcomes.filter((o) => o.code === "OK" && o.from === "C").length >= 10, {
      what: "traffic flowing",
    });
    // Calls in flight across instances when Redis dies.
    const startedBefore = dev1.hold.started.length;
    const inFlight = Array.from({ length: 3 }, () =>
      callerC.call("dev1.slow.wait", {}, { timeoutMs: 10_000 }).then(
        () => ({ code: "OK", at: Date.now() }),
        (error: HubError) => ({ code: error.code, at: Date.now() }),
      ),
    );
    await eventually(() => dev1.hold.started.length === startedBefore + 3, { what: "slow calls running" });

    const downAt = Date.now();
    await cluster.redis.kill();
    const failedInFlight = await Promise.all(inFlight);
    console.log(
      `Redis down: in-flight C→A calls ended ${failedInFlight.map((r) => `${r.code} after ${r.at - downAt} ms`).join(", ")}`,
    );
    for (const result of failedInFlight) {
      expect(result.code).toBe("SPOKE_UNAVAILABLE");
      expect(result.at - downAt).toBeLessThanOrEqual(CLUSTER_REMOTE_ACK_MS + 1000);
    }
    const degraded = await eventually(
      async () => {
        const health = await clusterHealth(cluster);
        return Object.values(health).every((h) => JSON.stringify(h) === JSON.stringify(DEGRADED)) && health;
      },
      { what: "every instance degraded" },
    );
    console.log(`Redis down: /health degraded on every instance after ${Date.now() - downAt} ms`);
    expect(degraded).toEqual({ A: DEGRADED, B: DEGRADED, C: DEGRADED });
    // Keep Redis down a while under traffic.
    await eventually(() => Date.now() - downAt >= OUTAGE_MS, { timeoutMs: OUTAGE_MS + 1000, intervalMs: 50 });
    const upAt = Date.now();
    await cluster.redis.restart();

    const healthyAgain = await eventually(
      async () => {
        const health = await clusterHealth(cluster);
        return Object.values(health).every((h) => JSON.stringify(h) === JSON.stringify(OK)) && Date.now();
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
    // Let the traffic run a while after recovery: it must stay healthy.
    const settledAt = Date.now();
    await eventually(
      () => outcomes.filter((o) => o.from === "C" && o.startedAt > settledAt && o.code === "OK").length >= 20,
      { timeoutMs: 10_000, what: "steady traffic after recovery" },
    );
    running = false;
    await Promise.all(loops);

    const local = outcomes.filter((o) => o.from === "A");
    const cross = outcomes.filter((o) => o.from === "C");
    const crossFailed = cross.filter((o) => o.code !== "OK");
    const localDuring = local.filter((o) => o.startedAt >= downAt && o.startedAt < upAt);
    console.log(
      `traffic: A→A ${local.length} calls (${localDuring.length} while Redis was down), all ok: ${local.every((o) => o.code === "OK")}; ` +
        `C→A ${cross.length} calls, ${crossFailed.length} failed (${[...new Set(crossFailed.map((o) => o.code))].join(",")}), ` +
        `slowest failure ${Math.max(0, ...crossFailed.map((o) => o.endedAt - o.startedAt))} ms`,
    );
    expect(local.filter((o) => o.code !== "OK")).toEqual([]);
    expect(localDuring.length).toBeGreaterThan(10);
    for (const failure of crossFailed) {
      expect(failure.code).toBe("SPOKE_UNAVAILABLE");
      // Only while Redis was away (or coming back), and fast: not at the 10 s deadline.
      expect(failure.startedAt).toBeGreaterThanOrEqual(downAt - CLUSTER_REMOTE_ACK_MS);
      expect(failure.endedAt).toBeLessThanOrEqual(resumed);
      expect(failure.endedAt - failure.startedAt).toBeLessThanOrEqual(CLUSTER_REMOTE_ACK_MS + 200);
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
  }, 60_000);
});
