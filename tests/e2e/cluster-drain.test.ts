// alkhub-test: once
/**
 * Draining an instance (SIGTERM) loses no call of a spoke it holds, even calls relayed from other instances
 * (ARCHITECTURE.md › Lifecycle, Many instances): 100 calls of a 500 ms operation from callers on B and C to a
 * spoke on A all complete ok while A drains; the spoke — the SDK's reconnect loop, in a child process behind a
 * load balancer that sends new connections to healthy instances — registers on B or C and is callable again
 * from C within 5 s.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { HubError, Spoke } from "../../src/sdk/index.ts";
import {
  type ClusterSpokeChild,
  connectClusterCaller,
  spawnClusterSpoke,
  startCluster,
  type TestCluster,
  waitListedEverywhere,
} from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { makeKey } from "../support/mcp-client.ts";
import { describeWithServices } from "../support/services.ts";
import { startTcpBalancer, type TcpBalancer } from "../support/tcp-balancer.ts";

const CALLS = 100;
const OPERATION_MS = 500;
/** The spoke must be callable from C again within this long after SIGTERM. */
const BACK_WITHIN_MS = 5000;

describeWithServices("cluster: draining an instance with calls in flight", () => {
  let cluster: TestCluster;
  let balancer: TcpBalancer;
  let child: ClusterSpokeChild;
  let callerB: Spoke;
  let callerC: Spoke;

  beforeAll(async () => {
    cluster = await startCluster();
    const key = await makeKey(cluster, {
      scopes: ["spoke", "call", "read"],
      spokeNames: ["svc*", "caller*"],
    });
    balancer = await startTcpBalancer(cluster.instances.map((i) => ({ url: i.url })));
    child = await spawnClusterSpoke(balancer.wsUrl, key.key, "svc1");
    // The balancer hands its first connection to the first healthy instance: A.
    expect(balancer.handedOut.get(cluster.get("A").url)).toBe(1);
    const caller = (label: string) => connectClusterCaller(cluster, label, key.key);
    callerB = await caller("B");
    callerC = await caller("C");
    await waitListedEverywhere(cluster, key.key, "svc1", 1);
    for (const c of [callerB, callerC]) {
      await eventually(() => c.call("svc1.sleep.ms", { ms: 0, n: 0 }), { what: "svc1 reachable" });
    }
  }, 60_000);

  afterAll(async () => {
    for (const spoke of [callerB, callerC]) await spoke?.close().catch(() => {});
    await child?.kill();
    balancer?.stop();
    await cluster?.stop();
  });

  test("100 calls in flight from B and C to a spoke on A all complete while A drains; the spoke is back within 5 s", async () => {
    const startedBefore = child.count("started");
    const calls = Array.from({ length: CALLS }, (_, n) =>
      (n % 2 ? callerB : callerC).call<{ n: number }>("svc1.sleep.ms", { ms: OPERATION_MS, n }).then(
        (output) => ({ ok: true as const, n: output.n }),
        (error: HubError) => ({ ok: false as const, code: error.code, message: error.message }),
      ),
    );
    await eventually(() => child.count("started") - startedBefore === CALLS, {
      what: "every call running on the spoke",
    });
    const a = cluster.get("A");
    const termAt = Date.now();
    a.hub.proc.kill("SIGTERM");
    const results = await Promise.all(calls);
    const failed = results.filter((r) => !r.ok);
    console.log(
      `drain of A: ${results.length - failed.length}/${CALLS} calls ok, last one ${Date.now() - termAt} ms after SIGTERM`,
    );
    expect(failed).toEqual([]);
    expect(results.map((r) => (r.ok ? r.n : -1))).toEqual(Array.from({ length: CALLS }, (_, n) => n));
    // The spoke moved: registered a second time, through the balancer, on B or C.
    const back = await eventually(
      async () => {
        await callerC.call("svc1.sleep.ms", { ms: 0, n: -1 }, { timeoutMs: 1000 });
        return Date.now() - termAt;
      },
      { timeoutMs: BACK_WITHIN_MS + 1000, intervalMs: 20, what: "svc1 callable from C again" },
    );
    console.log(
      `drain of A: svc1 callable from C again ${back} ms after SIGTERM (limit ${BACK_WITHIN_MS} ms)`,
    );
    expect(back).toBeLessThanOrEqual(BACK_WITHIN_MS);
    expect(child.count("registered")).toBe(2);
    expect(child.count("draining")).toBe(1);
    const moved =
      (balancer.handedOut.get(cluster.get("B").url) ?? 0) +
      (balancer.handedOut.get(cluster.get("C").url) ?? 0);
    expect(moved).toBe(1);
    expect(await callerB.call("svc1.sleep.ms", { ms: 0, n: 7 })).toEqual({ n: 7 });
    expect(await a.hub.proc.exited).toBe(0);
  }, 30_000);
});
