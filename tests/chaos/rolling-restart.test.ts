// alkhub-test: once
/**
 * Rolling restart under steady load (docs/reliability.md): three compiled hubs behind a TCP balancer, a serving
 * spoke and two callers connected through it; each instance in turn is stopped with SIGTERM (it drains),
 * started again on its port and waited for. Promised: no call fails except with a retryable code, and a caller
 * that asks the SDK to retry its idempotent queries (`retry: true`) sees no failure at all.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connectSpoke, HubError, type Spoke } from "../../src/sdk/index.ts";
import { startCluster, type TestCluster, waitListedEverywhere } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { makeKey } from "../support/mcp-client.ts";
import { describeWithServices } from "../support/services.ts";
import { connectTestSpoke, type TestSpoke, testSpokeOperationCount } from "../support/spoke-kit.ts";
import { startTcpBalancer, type TcpBalancer } from "../support/tcp-balancer.ts";

/** One call of a caller's loop. */
interface Outcome {
  caller: "plain" | "retrying";
  code: string;
  retryable: boolean;
}

describeWithServices("cluster: rolling restart under load", () => {
  let cluster: TestCluster;
  let balancer: TcpBalancer;
  let server: TestSpoke;
  let plain: Spoke;
  let retrying: Spoke;

  beforeAll(async () => {
    cluster = await startCluster();
    balancer = await startTcpBalancer(cluster.instances.map((i) => ({ url: i.url })));
    const key = await makeKey(cluster, {
      scopes: ["spoke", "call", "read"],
      spokeNames: ["svc*", "caller*"],
    });
    server = await connectTestSpoke(balancer.wsUrl, key.key, "svc1");
    const caller = (name: string) =>
      connectSpoke({
        url: balancer.wsUrl,
        token: key.key,
        name,
        operations: {},
        reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
      });
    plain = await caller("caller-plain");
    retrying = await caller("caller-retrying");
    await waitListedEverywhere(cluster, key.key, "svc1", testSpokeOperationCount());
  }, 60_000);

  afterAll(async () => {
    for (const spoke of [server?.spoke, plain, retrying]) await spoke?.close().catch(() => {});
    balancer?.stop();
    await cluster?.stop();
  });

  test("each instance drained and restarted in turn: only retryable failures, none with retry", async () => {
    const outcomes: Outcome[] = [];
    let running = true;
    const loop = async (which: Outcome["caller"], spoke: Spoke) => {
      for (let i = 0; running; i++) {
        const options =
          which === "retrying" ? { timeoutMs: 10_000, retry: { attempts: 20 } } : { timeoutMs: 10_000 };
        const code = await spoke
          .call<number>("svc1.math.add", { a: i, b: 1 }, options)
          .then((out) => (out === i + 1 ? "OK" : `WRONG ${out}`))
          .catch((error: unknown) => (error instanceof HubError ? error.code : String(error)));
        const retryable = code !== "OK" && new HubError(code, "").retryable;
        outcomes.push({ caller: which, code, retryable });
        await Bun.sleep(10);
      }
    };
    const loops = [loop("plain", plain), loop("retrying", retrying)];
    await eventually(() => outcomes.filter((o) => o.code === "OK").length >= 20, { what: "traffic flowing" });

    for (const label of ["A", "B", "C"]) {
      const started = Date.now();
      await cluster.restart(label);
      console.log(`rolling restart: ${label} drained and back in ${Date.now() - started} ms`);
      // The balancer sees it healthy again before the next one goes.
      await eventually(async () => (await fetch(`${cluster.get(label).url}/health`)).status === 200, {
        timeoutMs: 10_000,
        what: `${label} healthy`,
      });
    }
    // Traffic goes on after the restarts: the retrying caller gets twenty more answers.
    const okRetrying = () => outcomes.filter((o) => o.caller === "retrying" && o.code === "OK").length;
    const after = okRetrying();
    await eventually(() => okRetrying() >= after + 20, {
      timeoutMs: 20_000,
      what: "traffic after the restarts",
    });
    running = false;
    await Promise.all(loops);

    const failed = outcomes.filter((o) => o.code !== "OK");
    const summary = (which: Outcome["caller"]) => {
      const mine = outcomes.filter((o) => o.caller === which);
      const codes = [...new Set(mine.filter((o) => o.code !== "OK").map((o) => o.code))];
      return `${which}: ${mine.length} calls, ${mine.filter((o) => o.code !== "OK").length} failed (${codes.join(",")})`;
    };
    console.log(`rolling restart traffic — ${summary("plain")}; ${summary("retrying")}`);
    expect(failed.filter((o) => !o.retryable)).toEqual([]);
    expect(failed.filter((o) => o.caller === "retrying")).toEqual([]);
    expect(okRetrying()).toBeGreaterThanOrEqual(after + 20);
  }, 180_000);
});
