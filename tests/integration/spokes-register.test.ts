/**
 * `hub.register` over real sockets (PROTOCOL.md › Handshake): the answer, ACCESS_DENIED with close 4403 (no
 * spoke scope, a name outside the key's spokeNames globs), VALIDATION_ERROR for bad specs (the connection
 * stays), NAME_TAKEN, takeover with close 4409, re-registration replacing the operation set, and SDK spokes
 * that reconnect and register again after their connection drops.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { CLOSE_CODES, DEFAULT_HEARTBEAT_MS } from "../../src/protocol/index.ts";
import { SpokeConnectionError } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { useHubSuite } from "../support/hub-suite.ts";
import { TEST_MODE } from "../support/services.ts";
import { connectTestSpoke, makeKey, type TestKey } from "../support/spoke-kit.ts";
import { startTcpProxy } from "../support/tcp-proxy.ts";
import { rawOperation, type WsTestClient } from "../support/ws-client.ts";

describe(`hub.register (${TEST_MODE})`, () => {
  const suite = useHubSuite();
  let spokeKey: TestKey;
  let otherSpokeKey: TestKey;
  let caller: WsTestClient;
  const connect = suite.connect;
  const listNames = async () =>
    ((await caller.output("hub.list", {})) as { operations: { name: string }[] }).operations.map(
      (op) => op.name,
    );
  const spokeRow = async (name: string) =>
    ((await caller.output("hub.spokes", {})) as { spokes: { name: string; live: boolean }[] }).spokes.find(
      (spoke) => spoke.name === name,
    );

  beforeAll(async () => {
    spokeKey = await makeKey(suite.hub, { scopes: ["spoke"], spokeNames: ["dev*", "box-?"] });
    otherSpokeKey = await makeKey(suite.hub, { scopes: ["spoke"], spokeNames: ["*"] });
    caller = await connect((await makeKey(suite.hub, { scopes: ["call", "read"] })).key);
  }, 60_000);

  test("registering answers with the spoke id, name, heartbeat and limits, and publishes the operations", async () => {
    const spoke = await connect(spokeKey.key);
    const answer = await spoke.register({
      name: "dev1",
      kind: "dev-env",
      operations: [rawOperation("fs.read")],
    });
    expect(answer.type).toBe("call.responded");
    expect(answer.payload.output).toEqual({
      spokeId: expect.any(String),
      name: "dev1",
      heartbeatMs: DEFAULT_HEARTBEAT_MS,
      limits: {
        maxFrameBytes: 1_048_576,
        maxOperations: 1000,
        maxSchemaBytes: 65_536,
        maxInFlightCalls: 1024,
      },
    });
    expect(await listNames()).toContain("dev1.fs.read");
    expect(await spokeRow("dev1")).toMatchObject({ live: true, kind: "dev-env", operations: 1 });
  });

  test("re-registering on the same connection replaces the whole operation set", async () => {
    const spoke = await connect(spokeKey.key);
    await spoke.register({ name: "dev2", operations: [rawOperation("a"), rawOperation("b")] });
    // A spoke-only key may not read the catalog itself.
    expect((await spoke.error("hub.spokes", {})).code).toBe("ACCESS_DENIED");
    expect((await listNames()).filter((name) => name.startsWith("dev2."))).toEqual(["dev2.a", "dev2.b"]);
    const again = await spoke.register({ name: "dev2", operations: [rawOperation("c")] });
    expect(again.type).toBe("call.responded");
    expect((await listNames()).filter((name) => name.startsWith("dev2."))).toEqual(["dev2.c"]);
    // Another name on the same connection is refused; the registration stands.
    const renamed = await spoke.error("hub.register", { name: "dev3", operations: [] });
    expect(renamed.code).toBe("VALIDATION_ERROR");
    expect(renamed.message).toContain("dev2");
    expect(await spokeRow("dev2")).toMatchObject({ live: true });
    expect(await spokeRow("dev3")).toBeUndefined();
  });

  test("ACCESS_DENIED and close 4403: a key without scope spoke", async () => {
    const callerOnly = await connect((await makeKey(suite.hub, { scopes: ["call", "read"] })).key);
    const error = await callerOnly.error("hub.register", { name: "dev4", operations: [] });
    expect(error.code).toBe("ACCESS_DENIED");
    expect(error.message).toContain("spoke");
    expect((await callerOnly.waitClosed()).code).toBe(CLOSE_CODES.FORBIDDEN);
  });

  test("ACCESS_DENIED and close 4403: a name outside the key's spokeNames globs", async () => {
    for (const name of ["prod1", "box-12", "de"]) {
      const spoke = await connect(spokeKey.key);
      const error = await spoke.error("hub.register", { name, operations: [] });
      expect(error.code).toBe("ACCESS_DENIED");
      expect(error.message).toContain(name);
      expect(await spoke.waitClosed()).toEqual({ code: 4403, reason: expect.stringContaining(name) });
    }
    const allowed = await connect(spokeKey.key);
    expect((await allowed.register({ name: "box-1", operations: [] })).type).toBe("call.responded");
    // The SDK treats 4403 as final.
    const refused = (await connectTestSpoke(suite.url, spokeKey.key, "prod2").catch(
      (error: unknown) => error,
    )) as {
      code?: string;
      closeCode?: number;
    };
    // Either the refusal or the 4403 close reaches the SDK first; both end it.
    expect(refused.code === "ACCESS_DENIED" || refused.closeCode === 4403).toBe(true);
  });

  test("VALIDATION_ERROR for a bad spec, naming what is wrong; the connection stays usable", async () => {
    const spoke = await connect(spokeKey.key);
    const cases: [unknown, string][] = [
      [
        { name: "dev5", operations: [{ ...rawOperation("x"), inputSchema: { type: "nonsense" } }] },
        "inputSchema",
      ],
      [{ name: "dev5", operations: [rawOperation("9bad")] }, "operations[0]"],
      [{ name: "dev5", operations: [rawOperation("x"), rawOperation("x")] }, "duplicate"],
      [{ name: "dev5", operations: [{ name: "y", type: "query" }] }, "description"],
      [{ name: "dev5", operations: [{ ...rawOperation("z"), type: "stream" }] }, "type"],
      [{ name: "dev5" }, "operations"],
      [{ name: "dev5", operations: [], maxConcurrency: 0 }, "maxConcurrency"],
    ];
    for (const [input, named] of cases) {
      const error = await spoke.error("hub.register", input);
      expect(error.code).toBe("VALIDATION_ERROR");
      expect(error.message).toContain(named);
    }
    expect(spoke.open).toBe(true);
    expect(await spokeRow("dev5")).toBeUndefined();
    // The name was not left claimed by the failed attempts.
    const other = await connect(spokeKey.key);
    expect((await other.register({ name: "dev5", operations: [rawOperation("ok")] })).type).toBe(
      "call.responded",
    );
    // The name `hub` is reserved whatever the key allows.
    const hubName = await (await connect(otherSpokeKey.key)).error("hub.register", {
      name: "hub",
      operations: [],
    });
    expect(hubName.code).toBe("VALIDATION_ERROR");
  });

  test("a connection that closes while its registration is being written does not keep the name", async () => {
    for (let round = 0; round < 3; round++) {
      const vanishing = await connect(spokeKey.key);
      vanishing.request("hub.register", { name: "dev9", operations: [rawOperation("op")] });
      vanishing.close();
      await vanishing.waitClosed();
      const next = await connect(spokeKey.key);
      // The close may land before or after the catalog write; either way the name is free again at once.
      const answer = await eventually(async () => {
        const frame = await next.call("hub.register", { name: "dev9", operations: [rawOperation("op")] });
        expect(frame.payload.code).not.toBe("NAME_TAKEN");
        return frame;
      });
      expect(answer.type).toBe("call.responded");
      next.close();
      await next.waitClosed();
      await eventually(async () => expect(await spokeRow("dev9")).toMatchObject({ live: false }));
    }
  });

  test("NAME_TAKEN: another key, or the same key without takeover", async () => {
    const holder = await connect(spokeKey.key);
    await holder.register({ name: "dev6", operations: [rawOperation("op")] });
    const rival = await connect(otherSpokeKey.key);
    const taken = await rival.error("hub.register", { name: "dev6", operations: [], takeover: true });
    expect(taken.code).toBe("NAME_TAKEN");
    expect(taken.message).toContain("dev6");
    const sameKey = await connect(spokeKey.key);
    expect((await sameKey.error("hub.register", { name: "dev6", operations: [] })).code).toBe("NAME_TAKEN");
    expect(holder.open).toBe(true);
    expect(rival.open).toBe(true);
  });

  test("takeover: the same key with takeover: true closes the old connection with 4409; the new one serves", async () => {
    const old = await suite.spoke(spokeKey.key, "dev7");
    expect(await caller.output("dev7.math.add", { a: 1, b: 1 })).toBe(2);
    const requestId = caller.request("dev7.slow.wait", {});
    await eventually(() => expect(old.hold.started.length).toBe(1));

    const usurper = await connect(spokeKey.key);
    const answer = await usurper.register({
      name: "dev7",
      operations: [rawOperation("math.add")],
      takeover: true,
    });
    expect(answer.type).toBe("call.responded");
    const ended = await old.spoke.closed();
    expect(ended).toBeInstanceOf(SpokeConnectionError);
    expect((ended as SpokeConnectionError).closeCode).toBe(CLOSE_CODES.TAKEN_OVER);
    // The call in flight on the old connection fails at once.
    const lost = await caller.waitFor((f) => f.id === requestId && f.type === "call.error");
    expect(lost.payload.code).toBe("SPOKE_DISCONNECTED");

    const next = caller.request("dev7.math.add", { any: "input" });
    const toUsurper = await usurper.waitFor(
      (f) => f.type === "call.requested" && f.payload.operation === "math.add",
    );
    usurper.send("call.responded", toUsurper.id, {
      requestId: toUsurper.id,
      output: "from the new connection",
    });
    expect((await caller.waitFor((f) => f.id === next && f.type === "call.responded")).payload.output).toBe(
      "from the new connection",
    );
    expect(await spokeRow("dev7")).toMatchObject({ live: true, operations: 1 });
  });

  test("a takeover whose spec does not compile fails and leaves the old connection serving", async () => {
    const old = await suite.spoke(spokeKey.key, "dev10");
    const usurper = await connect(spokeKey.key);
    const broken = { ...rawOperation("math.add"), inputSchema: { type: "nonsense" } };
    const error = await usurper.error("hub.register", {
      name: "dev10",
      operations: [broken],
      takeover: true,
    });
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.message).toContain("inputSchema");
    expect(await caller.output("dev10.math.add", { a: 1, b: 2 })).toBe(3);
    expect(old.events.filter((e) => e.type === "disconnected")).toEqual([]);
    expect(await spokeRow("dev10")).toMatchObject({ live: true });
  });

  test("a spoke whose connection drops reconnects and registers again; calls work again", async () => {
    const target = new URL(suite.testHub.url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
    try {
      const spoke = suite.adopt(
        await connectTestSpoke(`ws://127.0.0.1:${proxy.port}/ws`, spokeKey.key, "dev8"),
      );
      const firstId = spoke.spoke.registration?.spokeId;
      expect(await caller.output("dev8.math.add", { a: 2, b: 2 })).toBe(4);
      proxy.pause();
      await eventually(async () => expect(await spokeRow("dev8")).toMatchObject({ live: false }));
      expect((await caller.error("dev8.math.add", { a: 1, b: 1 })).code).toBe("SPOKE_UNAVAILABLE");
      proxy.resume();
      await eventually(() =>
        expect(spoke.events.some((e) => e.type === "registered" && e.reconnected)).toBe(true),
      );
      expect(spoke.events.find((e) => e.type === "disconnected")).toMatchObject({ willReconnect: true });
      expect(await caller.output("dev8.math.add", { a: 3, b: 4 })).toBe(7);
      // The catalog keeps one row per name: the id is stable across registrations.
      expect(spoke.spoke.registration?.spokeId).toBe(firstId);
    } finally {
      proxy.stop();
    }
  });
});
