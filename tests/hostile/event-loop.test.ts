// alkhub-test: once
/**
 * Issue #10 item 9: event-loop health is visible. A compiled hub exports its loop lag as a histogram and the
 * slowest recent handler runs by kind (never by operation name), and a hub whose loop keeps lagging past its
 * configured allowance reports `degraded` with the issue `event-loop-lag`.
 */
import { expect, test } from "bun:test";
import { eventually } from "../support/eventually.ts";
import { WsTestClient } from "../support/ws-client.ts";
import { hostileHubPerSuite, startHostileHub } from "./support/index.ts";
import { connectRawSpoke, oneOperation, type RawSpoke } from "./support/raw-spoke.ts";

const hub = hostileHubPerSuite();

async function metricsText(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

test("/metrics has the loop-lag histogram and the slowest handler runs by frame kind", async () => {
  let spoke: RawSpoke | undefined;
  const caller = await WsTestClient.connect(hub().wsUrl, { token: hub().keys.attacker!.key });
  try {
    spoke = await connectRawSpoke(hub().wsUrl, hub().keys.attacker!.key, oneOperation("evil-metrics", {}));
    await caller.output("evil-metrics.op", {});
    const text = await metricsText(hub().url);
    expect(text).toContain("# TYPE alkhub_event_loop_lag_seconds histogram");
    expect(text).toMatch(/alkhub_event_loop_lag_seconds_count [1-9]/);
    expect(text).toMatch(/alkhub_handler_slowest_seconds\{handler="ws:call.requested"\} /);
    expect(text).toMatch(/alkhub_handler_slowest_seconds\{handler="ws:hub.register"\} /);
  } finally {
    caller.close();
    spoke?.close();
  }
}, 60_000);

test("sustained lag past health.eventLoop.degradedMs turns /health degraded (event-loop-lag)", async () => {
  // An allowance so small that the ordinary timer drift of a busy machine uses it up: the rule, not a stall,
  // is what this checks (no input can stall a fixed hub any more).
  const strict = await startHostileHub({
    config: { health: { eventLoop: { intervalMs: 10, windowMs: 60_000, degradedMs: 1 } } },
  });
  try {
    const health = await eventually(
      async () => {
        const answer = await strict.hub.health();
        expect(answer?.code).toBe(503);
        return answer!.body;
      },
      { timeoutMs: 20_000, what: "a degraded /health" },
    );
    expect(health).toEqual({ status: "degraded", issues: ["event-loop-lag"] });
  } finally {
    await strict.stop();
  }
}, 90_000);
