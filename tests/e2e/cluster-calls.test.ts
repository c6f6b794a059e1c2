// alkhub-test: once
/**
 * Three compiled hubs (A, B, C) on one Postgres database and one Redis (ARCHITECTURE.md › Many instances): a
 * spoke connected to A is listed and callable from C — over /ws with an SDK caller and over HTTP — including a
 * subscription, progress, a caller's abort that fires the handler's signal on A, and a deadline enforced on the
 * caller's side (TIMEOUT, and call.aborted to the spoke). Names are unique across instances (NAME_TAKEN on B),
 * a takeover with the same key on C closes the old connection on A with 4409, and a key revoked through B has
 * its connections on A and C closed with 4401 at once.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connectSpoke, HubError, type Spoke } from "../../src/sdk/index.ts";
import { startCluster, type TestCluster, waitListedEverywhere } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { type McpTestKey, makeKey } from "../support/mcp-client.ts";
import { describeWithServices } from "../support/services.ts";
import { connectTestSpoke, type TestSpoke, testSpokeOperationCount } from "../support/spoke-kit.ts";
import { rawOperation, WsTestClient } from "../support/ws-client.ts";

/** An SDK connection that only calls: registered under `name`, serving nothing. */
function connectCaller(url: string, token: string, name: string): Promise<Spoke> {
  return connectSpoke({
    url,
    token,
    name,
    operations: {},
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
  });
}

/** POST /api/v1/operations/<name>/call. */
async function httpCall(base: string, key: string, operation: string, input: unknown, timeoutMs?: number) {
  const query = timeoutMs === undefined ? "" : `?timeoutMs=${timeoutMs}`;
  const response = await fetch(`${base}/api/v1/operations/${operation}/call${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function rejection(promise: Promise<unknown>): Promise<HubError> {
  const error = await promise.then(
    () => new Error("the call did not fail"),
    (e: unknown) => e,
  );
  if (!(error instanceof HubError)) throw new Error(`expected a HubError, got ${String(error)}`);
  return error;
}

describeWithServices("cluster: calls, names and keys across three compiled hubs", () => {
  let cluster: TestCluster;
  let spokeKey: McpTestKey;
  let callerKey: McpTestKey;
  let dev1: TestSpoke;
  let callerC: Spoke;
  const spokes: Spoke[] = [];
  const clients: WsTestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster();
    spokeKey = await makeKey(cluster, {
      scopes: ["spoke", "call", "read"],
      spokeNames: ["dev*", "caller*", "raw*"],
    });
    callerKey = await makeKey(cluster, { scopes: ["call", "read"] });
    dev1 = await connectTestSpoke(cluster.get("A").wsUrl, spokeKey.key, "dev1");
    spokes.push(dev1.spoke);
    callerC = await connectCaller(cluster.get("C").wsUrl, spokeKey.key, "callerc");
    spokes.push(callerC);
    await waitListedEverywhere(cluster, callerKey.key, "dev1", testSpokeOperationCount());
  }, 60_000);

  afterAll(async () => {
    dev1?.hold.current.release();
    for (const spoke of spokes) await spoke.close().catch(() => {});
    for (const client of clients) client.close();
    await cluster?.stop();
  });

  test("a spoke on A is listed on C: hub.list over /ws and GET /api/v1/operations", async () => {
    const listed = await eventually(
      async () => {
        const out = await callerC.call<{ operations: Array<{ name: string; spoke: { live: boolean } }> }>(
          "hub.list",
          {
            namespace: "dev1",
          },
        );
        return out.operations.length > 0 && out.operations;
      },
      { what: "dev1 listed on C" },
    );
    expect(listed.map((op) => op.name)).toContain("dev1.math.add");
    expect(listed.every((op) => op.spoke.live)).toBe(true);
    const response = await fetch(`${cluster.get("C").url}/api/v1/operations?namespace=dev1`, {
      headers: { authorization: `Bearer ${callerKey.key}` },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { operations: Array<{ name: string }> };
    expect(body.operations.map((op) => op.name)).toEqual(listed.map((op) => op.name));
  });

  test("C calls the spoke on A over /ws and over HTTP; the spoke sees the caller C vouched for", async () => {
    expect(await callerC.call("dev1.math.add", { a: 2, b: 3 })).toBe(5);
    const who = await callerC.call<{ caller: { id: string } }>("dev1.who.ami", {});
    expect(who.caller.id).toBe(spokeKey.id);
    const overHttp = await httpCall(cluster.get("C").url, callerKey.key, "dev1.math.add", { a: 40, b: 2 });
    expect(overHttp).toEqual({ status: 200, body: 42 as unknown as Record<string, unknown> });
    // The caller's instance validates the input: a bad one never crosses to A.
    const bad = await httpCall(cluster.get("C").url, callerKey.key, "dev1.math.add", { a: "x" });
    expect(bad.body.code).toBe("VALIDATION_ERROR");
    // Many at once, from both surfaces, all answered.
    const many = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2
          ? callerC.call("dev1.math.add", { a: i, b: 1 })
          : httpCall(cluster.get("B").url, callerKey.key, "dev1.math.add", { a: i, b: 1 }).then(
              (r) => r.body,
            ),
      ),
    );
    expect(many).toEqual(Array.from({ length: 50 }, (_, i) => i + 1) as unknown as typeof many);
  });

  test("a subscription streams from A to callers on C (/ws items, HTTP items)", async () => {
    const items: number[] = [];
    for await (const item of callerC.subscribe<number>("dev1.count.up", { n: 25 })) items.push(item);
    expect(items).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const overHttp = await httpCall(cluster.get("C").url, callerKey.key, "dev1.count.up", { n: 4 });
    expect(overHttp.body).toEqual({ items: [1, 2, 3, 4], truncated: false });
    // The owner forgot the finished subscription: a later call still works.
    expect(await callerC.call("dev1.math.add", { a: 1, b: 1 })).toBe(2);
  });

  test("progress from the spoke on A reaches the caller on C", async () => {
    const updates: Array<{ progress: number; total?: number; message?: string }> = [];
    const out = await callerC.call("dev1.steps.run", {}, { progress: (u) => updates.push(u) });
    expect(out).toBe("finished");
    expect(updates).toEqual([
      { progress: 1, total: 3, message: "step 1" },
      { progress: 2, total: 3, message: "step 2" },
      { progress: 3, total: 3, message: "step 3" },
    ]);
  });

  test("an abort from the caller on C fires the handler's signal on A", async () => {
    const before = dev1.hold.started.length;
    const controller = new AbortController();
    const call = callerC.call("dev1.slow.wait", {}, { signal: controller.signal });
    await eventually(() => dev1.hold.started.length > before, { what: "the call started on A" });
    const requestId = dev1.hold.started.at(-1)!;
    const abortedAt = Date.now();
    controller.abort();
    expect((await rejection(call)).code).toBe("ABORTED");
    await eventually(() => dev1.hold.aborted.includes(requestId), { what: "ctx.signal fired on A" });
    console.log(`abort C→A: handler's signal fired ${Date.now() - abortedAt} ms after the caller aborted`);
  });

  test("deadlines are enforced on the caller's instance (TIMEOUT) and the spoke on A gets call.aborted", async () => {
    // A raw caller, so that the hub's timer is the only one (the SDK would also time out by itself).
    const raw = await WsTestClient.connect(cluster.get("C").wsUrl, { token: callerKey.key });
    clients.push(raw);
    const before = dev1.hold.started.length;
    const startedAt = Date.now();
    const error = await raw.error("dev1.slow.wait", {}, { deadline: startedAt + 400 });
    const elapsed = Date.now() - startedAt;
    expect(error.code).toBe("TIMEOUT");
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1400);
    const requestId = dev1.hold.started[before]!;
    await eventually(() => dev1.hold.aborted.includes(requestId), { what: "the spoke saw the abort" });
    expect(dev1.hold.reasons.at(-1)).toContain("deadline");
    const overHttp = await httpCall(cluster.get("C").url, callerKey.key, "dev1.slow.wait", {}, 300);
    expect(overHttp.body.code).toBe("TIMEOUT");
    await eventually(() => dev1.hold.aborted.length === dev1.hold.started.length, { what: "all aborted" });
    console.log(`deadline 400 ms from C to A: TIMEOUT after ${elapsed} ms`);
  });

  test("a second spoke with the same name on B is refused with NAME_TAKEN", async () => {
    const error = await connectCaller(cluster.get("B").wsUrl, spokeKey.key, "dev1").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe("NAME_TAKEN");
    // Another key cannot take it over either.
    const other = await makeKey(cluster, { scopes: ["spoke"], spokeNames: ["dev*"] });
    const raw = await WsTestClient.connect(cluster.get("B").wsUrl, { token: other.key });
    clients.push(raw);
    const refused = await raw.register({ name: "dev1", takeover: true, operations: [rawOperation("x")] });
    expect(refused.type).toBe("call.error");
    expect(refused.payload.code).toBe("NAME_TAKEN");
    // dev1 is untouched and still served from A.
    expect(await callerC.call("dev1.math.add", { a: 1, b: 2 })).toBe(3);
  });

  test("a takeover with the same key on C closes the old connection on A with 4409; calls follow the new one", async () => {
    const onA = await WsTestClient.connect(cluster.get("A").wsUrl, { token: spokeKey.key });
    const onC = await WsTestClient.connect(cluster.get("C").wsUrl, { token: spokeKey.key });
    clients.push(onA, onC);
    expect((await onA.register({ name: "raw2", operations: [rawOperation("echo.it")] })).type).toBe(
      "call.responded",
    );
    const callerB = await connectCaller(cluster.get("B").wsUrl, spokeKey.key, "callerb");
    spokes.push(callerB);
    await eventually(
      async () =>
        (await callerB.call<{ operations: unknown[] }>("hub.list", { namespace: "raw2" })).operations
          .length === 1,
      { what: "B knows raw2" },
    );
    // B routes to A first.
    const first = callerB.call("raw2.echo.it", { n: 1 });
    const onAFrame = await onA.waitFor((f) => f.type === "call.requested");
    onA.send("call.responded", onAFrame.id, { requestId: onAFrame.id, output: "from A" });
    expect(await first).toBe("from A");
    const takenAt = Date.now();
    expect(
      (await onC.register({ name: "raw2", takeover: true, operations: [rawOperation("echo.it")] })).type,
    ).toBe("call.responded");
    const closed = await onA.waitClosed(3000);
    expect(closed.code).toBe(4409);
    console.log(`takeover on C: old connection on A closed with 4409 after ${Date.now() - takenAt} ms`);
    // B learns that raw2 moved to C and routes there; until then A answers "not here" (SPOKE_UNAVAILABLE).
    const answeredOnC = new Set<string>();
    const responder = setInterval(() => {
      for (const frame of onC.frames) {
        if (frame.type !== "call.requested" || answeredOnC.has(frame.id)) continue;
        answeredOnC.add(frame.id);
        onC.send("call.responded", frame.id, { requestId: frame.id, output: "from C" });
      }
    }, 5);
    try {
      const out = await eventually(() => callerB.call("raw2.echo.it", { n: 2 }, { timeoutMs: 1500 }), {
        timeoutMs: 8000,
        what: "B calls raw2 on C",
      });
      expect(out).toBe("from C");
    } finally {
      clearInterval(responder);
    }
  });

  test("a key revoked through B has its connections on A and C closed with 4401 at once", async () => {
    const admin = await makeKey(cluster, { scopes: ["admin"] });
    const doomed = await makeKey(cluster, { scopes: ["spoke", "call"], spokeNames: ["raw*"] });
    const onA = await WsTestClient.connect(cluster.get("A").wsUrl, { token: doomed.key });
    const onC = await WsTestClient.connect(cluster.get("C").wsUrl, { token: doomed.key });
    const spokeOnC = await WsTestClient.connect(cluster.get("C").wsUrl, { token: doomed.key });
    clients.push(onA, onC, spokeOnC);
    expect((await spokeOnC.register({ name: "raw3", operations: [rawOperation("x")] })).type).toBe(
      "call.responded",
    );
    // The key works on every instance before the revocation (and its identity is cached there).
    expect((await onA.call("hub.list", {})).type).toBe("call.responded");
    expect((await onC.call("hub.list", {})).type).toBe("call.responded");
    const revokedAt = Date.now();
    const response = await fetch(`${cluster.get("B").url}/api/v1/keys/${doomed.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin.key}` },
    });
    expect(response.status).toBe(200);
    const closes = await Promise.all([onA, onC, spokeOnC].map((c) => c.waitClosed(2000)));
    const elapsed = Date.now() - revokedAt;
    expect(closes.map((c) => c.code)).toEqual([4401, 4401, 4401]);
    expect(elapsed).toBeLessThan(1000);
    console.log(`revocation on B: connections on A and C closed with 4401 within ${elapsed} ms`);
    // A new connection with the key is refused on every instance.
    for (const label of ["A", "B", "C"]) {
      const refused = await WsTestClient.connect(cluster.get(label).wsUrl, { token: doomed.key }).then(
        () => "opened",
        (e: Error) => e.message,
      );
      expect(refused).not.toBe("opened");
    }
  });
});
