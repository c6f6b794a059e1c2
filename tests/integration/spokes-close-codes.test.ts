/**
 * Every close code the hub uses, over real sockets (PROTOCOL.md › Close codes, Limits): 1000 (client closes),
 * 1001 (two heartbeats missed — a peer on a bare socket that never answers pings), 1009 (frame over
 * limits.maxFrameBytes), 1013 (a peer that stops reading past limits.backpressureBytes), 4400 (bad frames past
 * the budget, each answered with a protocol.error naming the problem, while other clients go on), 4401 (key
 * revoked through the admin API, or expired, mid-session), 4429 (calls past limits.maxInFlightPerConnection,
 * each refused RATE_LIMITED). 4403 and 4409 are in spokes-register, 1012 in spokes-drain.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CLOSE_CODES } from "../../src/protocol/index.ts";
import type { SpokeConnectionError } from "../../src/sdk/index.ts";
import { EVENT_WAIT_MS, eventually } from "../support/eventually.ts";
import { useHubSuite } from "../support/hub-suite.ts";
import { openSilentSocket } from "../support/raw-ws.ts";
import { TEST_MODE } from "../support/services.ts";
import {
  type ChildSpoke,
  connectTestSpoke,
  makeKey,
  spawnChildSpoke,
  type TestKey,
} from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";
import { rawOperation, WsTestClient, wsUrl } from "../support/ws-client.ts";

const MAX_FRAME_BYTES = 16_384;
const BAD_FRAMES_PER_MINUTE = 3;
const MAX_IN_FLIGHT = 2;
/**
 * The 1001 hub's heartbeat: a connection silent for two of them is closed. Short enough that the tests are quick,
 * long enough that a process merely starved of CPU on a busy machine (not stopped) still answers in time.
 */
const HEARTBEAT_MS = 1000;
/**
 * The 1013 stream: 32 MB in frames of 8 KiB, more than loopback's socket buffers can hold (a few MB each way) in
 * few enough frames that a busy machine still pushes them quickly; many small frames cost CPU, not bytes.
 */
const STREAM_ITEMS = 4096;
const STREAM_ITEM_BYTES = 8192;
/**
 * The longest any step below waits for its event. Only a failing test ever waits this long; on a loaded machine
 * (a CPU hog beside the suite) filling a socket buffer or missing two heartbeats can take many seconds.
 */
const SLOW_EVENT_MS = 4 * EVENT_WAIT_MS;

describe(`close codes (${TEST_MODE})`, () => {
  const suite = useHubSuite({
    extra: {
      limits: {
        maxFrameBytes: MAX_FRAME_BYTES,
        badFramesPerMinute: BAD_FRAMES_PER_MINUTE,
        maxInFlightPerConnection: MAX_IN_FLIGHT,
        backpressureBytes: 65_536,
      },
    },
  });
  let spokeKey: TestKey;
  let callerKey: TestKey;
  let adminKey: TestKey;
  let bystander: WsTestClient;
  const connect = suite.connect;
  const gateway = () => suite.hub.subsystems.gateway;

  beforeAll(async () => {
    spokeKey = await makeKey(suite.hub, { scopes: ["spoke"], spokeNames: ["*"] });
    callerKey = await makeKey(suite.hub, { scopes: ["call", "read"] });
    adminKey = await makeKey(suite.hub, { scopes: ["admin"] });
    await suite.spoke(spokeKey.key, "dev1");
    bystander = await connect(callerKey.key);
  }, 60_000);

  test("1000: a client that closes normally; a registered spoke that leaves goes offline", async () => {
    const spoke = await connect(spokeKey.key);
    await spoke.register({ name: "leaving", operations: [rawOperation("op")] });
    const before = gateway().connectionCount;
    spoke.close(1000, "bye");
    expect(await spoke.waitClosed()).toEqual({ code: 1000, reason: "bye" });
    await eventually(() => expect(gateway().connectionCount).toBe(before - 1));
    const row = async () =>
      (
        (await bystander.output("hub.spokes", {})) as { spokes: { name: string; live: boolean }[] }
      ).spokes.find((s) => s.name === "leaving");
    await eventually(async () => expect(await row()).toMatchObject({ live: false }));
  });

  test("1009: a frame over limits.maxFrameBytes closes the connection; others go on", async () => {
    const big = await connect(callerKey.key);
    const input = { text: "x".repeat(MAX_FRAME_BYTES) };
    big.request("dev1.math.add", input);
    expect((await big.waitClosed()).code).toBe(CLOSE_CODES.FRAME_TOO_BIG);
    expect(await bystander.output("dev1.math.add", { a: 1, b: 2 })).toBe(3);
    // A spoke's output over the limit never reaches the wire: the SDK answers PAYLOAD_TOO_LARGE instead of
    // getting its connection closed with 1009.
    const tooBig = await bystander.error("dev1.blob.make", { size: MAX_FRAME_BYTES });
    expect(tooBig.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await bystander.output("dev1.blob.make", { size: 10 })).toBe("x".repeat(10));
    // A frame just under the limit is fine.
    const ok = await connect(callerKey.key);
    const error = await ok.error("dev1.math.add", { text: "x".repeat(MAX_FRAME_BYTES - 200) });
    expect(error.code).toBe("VALIDATION_ERROR");
  });

  test(
    "1013: a peer that stops reading is closed once its send buffer passes limits.backpressureBytes",
    async () => {
      const slow = await openSilentSocket(`${suite.testHub.url}/ws`, {
        Authorization: `Bearer ${callerKey.key}`,
      });
      const before = gateway().connectionCount;
      const requestId = crypto.randomUUID();
      slow.sendText(
        JSON.stringify({
          type: "call.requested",
          id: requestId,
          payload: {
            requestId,
            operation: "dev1.blob.stream",
            input: { n: STREAM_ITEMS, size: STREAM_ITEM_BYTES },
          },
        }),
      );
      slow.pause();
      // The hub drops the connection instead of buffering the whole stream for it.
      await eventually(() => expect(gateway().connectionCount).toBe(before - 1), {
        timeoutMs: SLOW_EVENT_MS,
      });
      slow.resume();
      const { code } = await slow.closed;
      expect(code).toBe(CLOSE_CODES.SLOW_CONSUMER);
      expect(slow.bytes()).toBeLessThan(STREAM_ITEMS * STREAM_ITEM_BYTES);
      expect(await bystander.output("dev1.math.add", { a: 2, b: 2 })).toBe(4);
    },
    2 * SLOW_EVENT_MS,
  );

  test(
    "4400: bad frames get protocol.error naming the problem, then the connection is closed; others go on",
    async () => {
      const noisy = await connect(callerKey.key);
      noisy.sendText("{not json");
      noisy.sendBinary(new Uint8Array([1, 2, 3]));
      noisy.send("call.exploded", "f1", {});
      noisy.send("call.requested", "f2", { requestId: "f2", input: {} });
      const errors = await eventually(
        () => {
          const found = noisy.frames.filter((f) => f.type === "protocol.error");
          expect(found.length).toBe(4);
          return found;
        },
        { timeoutMs: SLOW_EVENT_MS },
      );
      const messages = errors.map((f) => String(f.payload.message));
      expect(messages[0]).toContain("JSON");
      expect(messages[1]).toContain("binary");
      expect(messages[2]).toContain("call.exploded");
      expect(messages[3]).toContain("operation");
      expect(errors[2]?.payload.ref).toBe("f1");
      expect(errors[3]?.payload.ref).toBe("f2");
      expect(await noisy.waitClosed(SLOW_EVENT_MS)).toEqual({
        code: CLOSE_CODES.PROTOCOL_VIOLATION,
        reason: "too many bad frames",
      });
      expect(await bystander.output("dev1.math.add", { a: 5, b: 5 })).toBe(10);

      // More kinds of bad payloads, each named, on a fresh connection (under the budget: it stays open).
      const other = await connect(callerKey.key);
      // (A protocol.error from the peer is not answered but spends the budget too: tests/hostile covers it.)
      other.send("call.requested", "g1", { requestId: "g2", operation: "dev1.math.add", input: {} });
      other.sendText("42");
      other.send("hub.draining", "g3", { retryAfterMs: 1 });
      const more = await eventually(() => {
        const found = other.frames.filter((f) => f.type === "protocol.error");
        expect(found.length).toBe(3);
        return found.map((f) => String(f.payload.message));
      });
      expect(more[0]).toContain("requestId");
      expect(more[1]).toContain("number");
      expect(more[2]).toContain("hub.draining");
      expect(other.open).toBe(true);
      expect(await other.output("dev1.math.add", { a: 1, b: 0 })).toBe(1);
    },
    2 * SLOW_EVENT_MS,
  );

  test("4401: revoking a key through the admin API closes its connections, SDK spokes included", async () => {
    const doomed = await makeKey(suite.hub, { scopes: ["spoke", "call"], spokeNames: ["doomed"] });
    const spoke = await suite.spoke(doomed.key, "doomed");
    const client = await connect(doomed.key);
    expect(await client.output("doomed.math.add", { a: 1, b: 1 })).toBe(2);
    const response = await fetch(`${suite.testHub.url}/api/v1/keys/${doomed.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${adminKey.key}` },
    });
    expect(response.status).toBe(200);
    expect((await client.waitClosed()).code).toBe(CLOSE_CODES.KEY_REVOKED);
    const ended = await spoke.spoke.closed();
    expect((ended as SpokeConnectionError).closeCode).toBe(CLOSE_CODES.KEY_REVOKED);
    await expect(connect(doomed.key)).rejects.toThrow();
  });

  test(
    "4401: a key that expires mid-session closes its connection",
    async () => {
      const brief = await makeKey(suite.hub, { scopes: ["call"], expiresAt: new Date(Date.now() + 1500) });
      const client = await connect(brief.key);
      expect(await client.output("dev1.math.add", { a: 1, b: 1 })).toBe(2);
      const closed = await client.waitClosed(SLOW_EVENT_MS);
      expect(closed).toEqual({ code: CLOSE_CODES.KEY_REVOKED, reason: "API key expired" });
    },
    2 * SLOW_EVENT_MS,
  );

  test("RATE_LIMITED past limits.maxInFlightPerConnection; 4429 when the connection keeps pushing", async () => {
    const holder = await connect(spokeKey.key);
    await holder.register({ name: "sink", operations: [rawOperation("hang")] });
    const greedy = await connect(callerKey.key);
    for (let i = 0; i < MAX_IN_FLIGHT; i++) greedy.request("sink.hang", {});
    await eventually(() => expect(holder.frames.filter((f) => f.type === "call.requested").length).toBe(2));
    const refused = await greedy.error("sink.hang", {});
    expect(refused.code).toBe("RATE_LIMITED");
    expect(refused.message).toContain(String(MAX_IN_FLIGHT));
    // Once a call ends there is room again.
    const first = holder.frames.find((f) => f.type === "call.requested")!;
    holder.send("call.responded", first.id, { requestId: first.id, output: "done" });
    await greedy.waitFor((f) => f.type === "call.responded");
    greedy.request("sink.hang", {});
    await eventually(() => expect(holder.frames.filter((f) => f.type === "call.requested").length).toBe(3));
    // Refusals past the budget (limits.badFramesPerMinute) end the connection.
    for (let i = 0; i < BAD_FRAMES_PER_MINUTE; i++) greedy.request("sink.hang", {});
    expect((await greedy.waitClosed()).code).toBe(CLOSE_CODES.RATE_LIMITED);
    // Its calls in flight were aborted towards the spoke.
    await eventually(() => expect(holder.frames.filter((f) => f.type === "call.aborted").length).toBe(2));
  });

  describe("1001", () => {
    let fastHub: TestHub;
    const children: ChildSpoke[] = [];
    const fastClients: WsTestClient[] = [];

    beforeAll(async () => {
      fastHub = await startTestHub({ extra: { limits: { heartbeatMs: HEARTBEAT_MS } } });
    }, 60_000);

    afterAll(async () => {
      for (const child of children) await child.kill();
      for (const client of fastClients) client.close();
      await fastHub?.stop();
    }, SLOW_EVENT_MS);

    test(
      "1001: a spoke process that is stopped (SIGSTOP) goes offline; once continued it reconnects and registers",
      async () => {
        const key = await makeKey(fastHub.hub, { scopes: ["spoke", "call", "read"], spokeNames: ["*"] });
        const watcher = await WsTestClient.connect(wsUrl(fastHub.url), { token: key.key });
        fastClients.push(watcher);
        const child = await spawnChildSpoke(wsUrl(fastHub.url), key.key, "frozen");
        children.push(child);
        expect(await watcher.output("frozen.math.add", { a: 1, b: 1 })).toBe(2);
        const live = async () =>
          (
            (await watcher.output("hub.spokes", {})) as { spokes: { name: string; live: boolean }[] }
          ).spokes.find((s) => s.name === "frozen")?.live;
        child.proc.kill("SIGSTOP");
        await eventually(async () => expect(await live()).toBe(false), { timeoutMs: SLOW_EVENT_MS });
        expect((await watcher.error("frozen.math.add", { a: 1, b: 1 })).code).toBe("SPOKE_UNAVAILABLE");
        child.proc.kill("SIGCONT");
        await eventually(async () => expect(await live()).toBe(true), { timeoutMs: SLOW_EVENT_MS });
        expect(await watcher.output("frozen.math.add", { a: 2, b: 3 })).toBe(5);
      },
      3 * SLOW_EVENT_MS,
    );

    test(
      "1001: a spoke that stops answering pings is closed and leaves the catalog; one that answers stays",
      async () => {
        const key = await makeKey(fastHub.hub, { scopes: ["spoke", "call", "read"], spokeNames: ["*"] });
        const lively = await WsTestClient.connect(wsUrl(fastHub.url), { token: key.key });
        fastClients.push(lively);
        // An SDK spoke answers pings by itself and stays registered.
        const sdkSpoke = suite.adopt(await connectTestSpoke(wsUrl(fastHub.url), key.key, "chatty"));
        const silent = await openSilentSocket(`${fastHub.url}/ws`, { Authorization: `Bearer ${key.key}` });
        const requestId = crypto.randomUUID();
        silent.sendText(
          JSON.stringify({
            type: "call.requested",
            id: requestId,
            payload: {
              requestId,
              operation: "hub.register",
              input: { name: "mute", operations: [rawOperation("op")] },
            },
          }),
        );
        await eventually(() => expect(silent.texts.some((t) => t.includes("call.responded"))).toBe(true));
        const startedAt = Date.now();
        const closed = await Promise.race([silent.closed, Bun.sleep(SLOW_EVENT_MS).then(() => undefined)]);
        expect(closed).toEqual({ code: CLOSE_CODES.HEARTBEAT_LOST, reason: "heartbeat lost" });
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(HEARTBEAT_MS);
        expect(silent.pings()).toBeGreaterThanOrEqual(1);
        await eventually(async () => {
          const { spokes } = (await lively.output("hub.spokes", {})) as {
            spokes: { name: string; live: boolean }[];
          };
          expect(spokes.find((s) => s.name === "mute")).toMatchObject({ live: false });
        });
        expect((await lively.error("mute.op", {})).code).toBe("SPOKE_UNAVAILABLE");
        expect(lively.open).toBe(true);
        expect(await lively.output("chatty.math.add", { a: 1, b: 1 })).toBe(2);
        expect(sdkSpoke.events.filter((e) => e.type === "disconnected")).toEqual([]);
      },
      2 * SLOW_EVENT_MS,
    );
  });
});
