/**
 * Spokes coming and going over real sockets (PROTOCOL.md › Liveness, Calls; ARCHITECTURE.md › shutdown): a
 * spoke process killed with SIGKILL mid-call (the caller gets SPOKE_DISCONNECTED within a second), and the hub
 * draining on stop — `hub.draining` to every connection, UNAVAILABLE for new calls and 503 for new upgrades,
 * in-flight calls finishing, close 1012 — then an SDK spoke reconnecting to the restarted hub and registering
 * again; calls still running when the grace period ends are aborted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLOSE_CODES } from "../../src/protocol/index.ts";
import { freePort } from "../support/binary.ts";
import { eventually } from "../support/eventually.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { upgradeStatus } from "../support/raw-ws.ts";
import { TEST_MODE } from "../support/services.ts";
import {
  type ChildSpoke,
  connectTestSpoke,
  gate,
  makeKey,
  spawnChildSpoke,
  type TestKey,
  type TestSpoke,
} from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";
import { WsTestClient, wsUrl } from "../support/ws-client.ts";

/** How long a stopping hub waits for calls in flight. */
const GRACE_MS = 2500;

describe(`spoke lifecycle (${TEST_MODE})`, () => {
  let files: HubFiles;
  let testHub: TestHub;
  let url: string;
  let spokeKey: TestKey;
  let callerKey: TestKey;
  let dev1: TestSpoke;
  const clients: WsTestClient[] = [];
  const children: ChildSpoke[] = [];

  const connect = async (token: string) => {
    const client = await WsTestClient.connect(url, { token });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // A fixed port, so that the restarted hub is where the spoke reconnects to.
    const port = await freePort();
    files = await writeHubFiles({
      extra: { server: { host: "127.0.0.1", port }, shutdown: { graceMs: GRACE_MS } },
    });
    testHub = await startTestHub({ files });
    url = wsUrl(testHub.url);
    spokeKey = await makeKey(testHub.hub, { scopes: ["spoke"], spokeNames: ["*"] });
    callerKey = await makeKey(testHub.hub, { scopes: ["call", "read"] });
    dev1 = await connectTestSpoke(url, spokeKey.key, "dev1");
  }, 60_000);

  afterAll(async () => {
    for (const child of children) await child.kill();
    await dev1?.spoke.close();
    for (const client of clients) client.close();
    await testHub?.stop();
    await files?.cleanup();
  });

  test("a spoke process killed mid-call: the caller gets SPOKE_DISCONNECTED within a second", async () => {
    const child = await spawnChildSpoke(url, spokeKey.key, "kid1");
    children.push(child);
    const caller = await connect(callerKey.key);
    expect(await caller.output("kid1.math.add", { a: 1, b: 2 })).toBe(3);
    const requestId = caller.request("kid1.slow.wait", {});
    await child.waitForLine("started");
    const killedAt = Date.now();
    child.proc.kill("SIGKILL");
    const error = await caller.waitFor((f) => f.id === requestId && f.type === "call.error", 1000);
    expect(error.payload.code).toBe("SPOKE_DISCONNECTED");
    expect(Date.now() - killedAt).toBeLessThan(1000);
    expect((await caller.error("kid1.math.add", { a: 1, b: 2 })).code).toBe("SPOKE_UNAVAILABLE");
  }, 30_000);

  test("stop drains: hub.draining, UNAVAILABLE and 503 for new work, in-flight calls finish, then close 1012; the spoke comes back", async () => {
    const caller = await connect(callerKey.key);
    const observer = await connect(callerKey.key);
    const inFlight = caller.request("dev1.slow.wait", {});
    await eventually(() => expect(dev1.hold.started.length).toBe(1));

    const stopping = testHub.hub.stop();
    const notice = await observer.waitFor((f) => f.type === "hub.draining");
    expect(notice.payload).toEqual({ retryAfterMs: 1000 });
    await caller.waitFor((f) => f.type === "hub.draining");
    expect(await caller.error("dev1.math.add", { a: 1, b: 1 })).toMatchObject({ code: "UNAVAILABLE" });
    expect((await caller.error("hub.list", {})).code).toBe("UNAVAILABLE");
    const refused = await upgradeStatus(`${testHub.url}/ws`, { Authorization: `Bearer ${callerKey.key}` });
    expect(refused.status).toBe(503);
    // The SDK spoke was told too.
    await eventually(() =>
      expect(dev1.events.some((e) => e.type === "draining" && e.source === "hub")).toBe(true),
    );

    dev1.hold.current.release();
    const answer = await caller.waitFor((f) => f.id === inFlight);
    expect(answer.payload.output).toEqual({ done: true });
    await stopping;
    expect(await observer.waitClosed()).toEqual({
      code: CLOSE_CODES.HUB_RESTARTING,
      reason: "hub restarting",
    });
    expect((await caller.waitClosed()).code).toBe(CLOSE_CODES.HUB_RESTARTING);

    testHub = await startTestHub({ files });
    await eventually(
      () => expect(dev1.events.some((e) => e.type === "registered" && e.reconnected)).toBe(true),
      {
        timeoutMs: 10_000,
      },
    );
    const fresh = await connect(callerKey.key);
    expect(await fresh.output("dev1.math.add", { a: 20, b: 22 })).toBe(42);
  }, 40_000);

  test("calls still running when shutdown.graceMs ends are aborted: UNAVAILABLE to the caller, call.aborted to the spoke", async () => {
    dev1.hold.current = gate();
    const caller = await connect(callerKey.key);
    const before = dev1.hold.started.length;
    const requestId = caller.request("dev1.slow.wait", {});
    await eventually(() => expect(dev1.hold.started.length).toBe(before + 1));
    const stoppedAt = Date.now();
    await testHub.hub.stop();
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    const error = await caller.waitFor((f) => f.id === requestId && f.type === "call.error");
    expect(error.payload).toMatchObject({ code: "UNAVAILABLE", message: "the hub is shutting down" });
    expect((await caller.waitClosed()).code).toBe(CLOSE_CODES.HUB_RESTARTING);
    // The spoke's connection was retired on hub.draining and the call aborted towards it.
    await eventually(() => expect(dev1.hold.aborted).toContain(dev1.hold.started[before]!));
  }, 30_000);
});
