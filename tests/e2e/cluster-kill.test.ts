// alkhub-test: once
/**
 * An instance that dies without a word (kill -9) while it holds a spoke with calls in flight from callers on
 * another instance (ARCHITECTURE.md › Many instances): those callers get SPOKE_UNAVAILABLE within
 * `router.remoteAckMs` + 1 s (measured), new calls fail at once rather than at their deadline, and the dead
 * instance's spoke leaves the catalog everywhere (hub.list shows live: false) once its presence lapses.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { HubError, type Spoke } from "../../src/sdk/index.ts";
import {
  CLUSTER_HEARTBEAT_MS,
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

/** Calls in flight from A when B dies: half from an SDK caller over /ws, half over HTTP. */
const CALLS_IN_FLIGHT = 10;

type ListOut = { operations: Array<{ name: string; spoke: { name: string; live: boolean } }> };

describeWithServices("cluster: an instance killed with calls in flight", () => {
  let cluster: TestCluster;
  let spokeKey: McpTestKey;
  let callerKey: McpTestKey;
  let gpu1: TestSpoke;
  let callerA: Spoke;
  let callerC: Spoke;

  beforeAll(async () => {
    cluster = await startCluster();
    spokeKey = await makeKey(cluster, { scopes: ["spoke", "call", "read"], spokeNames: ["gpu*", "caller*"] });
    callerKey = await makeKey(cluster, { scopes: ["call", "read"] });
    // Pointed at B only: once B is gone, the spoke cannot come back anywhere else.
    gpu1 = await connectTestSpoke(cluster.get("B").wsUrl, spokeKey.key, "gpu1");
    const caller = (label: string) => connectClusterCaller(cluster, label, spokeKey.key);
    callerA = await caller("A");
    callerC = await caller("C");
    await waitListedEverywhere(cluster, callerKey.key, "gpu1", testSpokeOperationCount());
    await eventually(async () => (await callerA.call<number>("gpu1.math.add", { a: 1, b: 1 })) === 2, {
      what: "A reaches gpu1 on B",
    });
  }, 60_000);

  afterAll(async () => {
    gpu1?.hold.current.release();
    for (const spoke of [gpu1?.spoke, callerA, callerC]) await spoke?.close().catch(() => {});
    await cluster?.stop();
  });

  test("callers on A get SPOKE_UNAVAILABLE within remoteAckMs + 1 s of kill -9 of B", async () => {
    const a = cluster.get("A");
    const outcomes: Array<Promise<{ code: string; at: number }>> = [];
    for (let i = 0; i < CALLS_IN_FLIGHT; i++) {
      if (i % 2 === 0) {
        outcomes.push(
          callerA.call("gpu1.slow.wait", {}).then(
            () => ({ code: "OK", at: Date.now() }),
            (error: HubError) => ({ code: error.code, at: Date.now() }),
          ),
        );
      } else {
        outcomes.push(
          fetch(`${a.url}/api/v1/operations/gpu1.slow.wait/call`, {
            method: "POST",
            headers: { authorization: `Bearer ${callerKey.key}`, "content-type": "application/json" },
            body: "{}",
          }).then(async (response) => ({
            code: ((await response.json()) as { code?: string }).code ?? "OK",
            at: Date.now(),
          })),
        );
      }
    }
    await eventually(() => gpu1.hold.started.length === CALLS_IN_FLIGHT, {
      what: "every call reached the spoke",
    });
    const killedAt = Date.now();
    await cluster.kill("B");
    const results = await Promise.all(outcomes);
    const delays = results.map((r) => r.at - killedAt);
    console.log(
      `kill -9 of B: ${results.length} callers on A got ${[...new Set(results.map((r) => r.code))].join(",")} after ${Math.min(...delays)}–${Math.max(...delays)} ms (limit ${CLUSTER_REMOTE_ACK_MS + 1000} ms)`,
    );
    expect(results.map((r) => r.code)).toEqual(Array(CALLS_IN_FLIGHT).fill("SPOKE_UNAVAILABLE"));
    expect(Math.max(...delays)).toBeLessThanOrEqual(CLUSTER_REMOTE_ACK_MS + 1000);
    // A new call fails at once, not at its deadline.
    const startedAt = Date.now();
    const error = await callerA.call("gpu1.math.add", { a: 1, b: 2 }).catch((e: HubError) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe("SPOKE_UNAVAILABLE");
    expect(Date.now() - startedAt).toBeLessThan(CLUSTER_REMOTE_ACK_MS + 500);
  });

  test("B's spoke leaves the catalog on A and C once its presence lapses (hub.list live: false)", async () => {
    const listedLive = async (caller: Spoke) => {
      const out = await caller.call<ListOut>("hub.list", { namespace: "gpu1" });
      expect(out.operations.length).toBeGreaterThan(0);
      return out.operations.some((op) => op.spoke.live);
    };
    const startedAt = Date.now();
    await eventually(async () => !(await listedLive(callerA)) && !(await listedLive(callerC)), {
      timeoutMs: 3 * CLUSTER_HEARTBEAT_MS + 3000,
      what: "gpu1 offline on A and C",
    });
    console.log(`gpu1 shown live: false on A and C ${Date.now() - startedAt} ms after the callers failed`);
    const response = await fetch(`${cluster.get("C").url}/api/v1/operations?namespace=gpu1`, {
      headers: { authorization: `Bearer ${callerKey.key}` },
    });
    const body = (await response.json()) as ListOut;
    expect(body.operations.every((op) => !op.spoke.live)).toBe(true);
    // The survivors are healthy: losing a peer is not a degraded dependency.
    expect(await clusterHealth(cluster)).toEqual({ A: { status: "ok" }, C: { status: "ok" } });
    // The name is free again: the spoke can register on a surviving instance.
    const again = await connectTestSpoke(cluster.get("C").wsUrl, spokeKey.key, "gpu1");
    try {
      expect(
        await eventually(() => callerA.call<number>("gpu1.math.add", { a: 2, b: 2 }), {
          what: "A reaches gpu1 on C",
        }),
      ).toBe(4);
    } finally {
      await again.spoke.close();
    }
  });
});
