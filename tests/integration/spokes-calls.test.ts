/**
 * Calls through the hub over real sockets (PROTOCOL.md › Frames, Calls): every call frame in both directions,
 * between raw protocol clients and SDK spokes — `call.requested` (hub→spoke with the hub's own id, the local
 * name and `caller`), `call.responded` (once, or per item), `call.completed`, `call.progress` (only when asked),
 * `call.log`, `call.error`, `call.aborted` both ways — plus deadlines, busy and offline spokes, a 10,000-item
 * stream and a caller that leaves mid-call.
 *
 * Error codes, and where each is produced over real sockets: OPERATION_NOT_FOUND, ACCESS_DENIED,
 * VALIDATION_ERROR, TIMEOUT, ABORTED, EXECUTION_ERROR (and a spoke's own codes), SPOKE_UNAVAILABLE,
 * SPOKE_DISCONNECTED and SPOKE_BUSY here; NAME_TAKEN (and register's ACCESS_DENIED / VALIDATION_ERROR) in
 * spokes-register; RATE_LIMITED in spokes-close-codes; UNAVAILABLE (draining) in spokes-lifecycle;
 * PAYLOAD_TOO_LARGE in spokes-catalog. Codes the hub never sends on /ws: PAYLOAD_TOO_LARGE — a frame over
 * limits.maxFrameBytes closes the connection with 1009 instead; the hub sends it only as the HTTP answer to a
 * body over that size (the spoke SDK produces it locally for an output too big to send, see spokes-close-codes);
 * UNKNOWN_ERROR — only for internal failures (a catalog write failing during hub.register, a hub operation
 * throwing something other than a HubError), which no client can cause.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { eventually } from "../support/eventually.ts";
import { useHubSuite } from "../support/hub-suite.ts";
import { TEST_MODE } from "../support/services.ts";
import { makeKey, type TestKey, type TestSpoke } from "../support/spoke-kit.ts";
import { rawOperation, type WsFrame, type WsTestClient } from "../support/ws-client.ts";

describe(`calls over /ws (${TEST_MODE})`, () => {
  const suite = useHubSuite({ extra: { router: { defaultTimeoutMs: 10_000 } } });
  let spokeKey: TestKey;
  let callerKey: TestKey;
  let dev1: TestSpoke;
  let caller: WsTestClient;
  let rawSpoke: WsTestClient;
  const connect = suite.connect;
  const spokeFrom = (client: WsTestClient, match: (frame: WsFrame) => boolean) => client.waitFor(match);
  /** Matches the call.requested whose input carries `marker` (each raw call is marked to find it). */
  const marked = (marker: string) => (frame: WsFrame) =>
    frame.type === "call.requested" && (frame.payload.input as { marker?: string } | null)?.marker === marker;

  beforeAll(async () => {
    // Spokes here also call (scope call): a spoke is a caller too.
    spokeKey = await makeKey(suite.hub, {
      scopes: ["spoke", "call", "read"],
      spokeNames: ["dev*", "raw*"],
    });
    callerKey = await makeKey(suite.hub, { scopes: ["call", "read"] });
    dev1 = await suite.spoke(spokeKey.key, "dev1");
    caller = await connect(callerKey.key);
    rawSpoke = await connect(spokeKey.key);
    const registered = await rawSpoke.register({
      name: "raw1",
      operations: [rawOperation("echo.it"), rawOperation("feed", "subscription"), rawOperation("hang")],
    });
    expect(registered.type).toBe("call.responded");
  }, 60_000);

  test("hub→spoke call.requested carries the hub's id, the local name and the caller; answers return under the caller's id", async () => {
    const requestId = crypto.randomUUID();
    caller.send("call.requested", requestId, {
      requestId,
      operation: "raw1.echo.it",
      input: { text: "hi" },
      progress: true,
      parentRequestId: "parent-1",
      // A caller cannot claim to be someone else: the hub says who is calling.
      caller: { id: "key_forged", scopes: ["admin"] },
    });
    const toSpoke = await spokeFrom(
      rawSpoke,
      (f) => f.type === "call.requested" && f.payload.operation === "echo.it",
    );
    const hubId = toSpoke.id;
    expect(hubId).not.toBe(requestId);
    expect(toSpoke.payload).toMatchObject({
      requestId: hubId,
      operation: "echo.it",
      input: { text: "hi" },
      progress: true,
      parentRequestId: "parent-1",
      caller: { id: callerKey.id, scopes: ["call", "read"] },
    });
    // No deadline asked for: the hub sets router.defaultTimeoutMs (10 s here).
    const deadline = toSpoke.payload.deadline as number;
    expect(deadline).toBeGreaterThan(Date.now() + 9000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 10_000);
    expect(JSON.stringify(toSpoke)).not.toContain(requestId);

    rawSpoke.send("call.progress", hubId, { requestId: hubId, progress: 1, total: 2, message: "half" });
    rawSpoke.send("call.responded", hubId, { requestId: hubId, output: { text: "hi back" } });
    const answer = await caller.waitFor((f) => f.id === requestId && f.type === "call.responded");
    expect(answer.payload).toEqual({ requestId, output: { text: "hi back" } });
    const progress = caller.framesFor(requestId).filter((f) => f.type === "call.progress");
    expect(progress.map((f) => f.payload)).toEqual([{ requestId, progress: 1, total: 2, message: "half" }]);
    expect(caller.framesFor(requestId).map((f) => f.type)).toEqual(["call.progress", "call.responded"]);
  });

  test("call.progress reaches the caller only when it asked for progress", async () => {
    const requestId = caller.request("raw1.echo.it", { marker: "no-progress" });
    const toSpoke = await spokeFrom(rawSpoke, marked("no-progress"));
    expect(toSpoke.payload.progress).toBeUndefined();
    rawSpoke.send("call.progress", toSpoke.id, { requestId: toSpoke.id, progress: 1 });
    rawSpoke.send("call.responded", toSpoke.id, { requestId: toSpoke.id, output: 1 });
    await caller.waitFor((f) => f.id === requestId && f.type === "call.responded");
    expect(caller.framesFor(requestId).map((f) => f.type)).toEqual(["call.responded"]);

    const withProgress = await caller.call("dev1.steps.run", {}, { progress: true });
    expect(withProgress.payload.output).toBe("finished");
    const updates = caller.framesFor(withProgress.id).filter((f) => f.type === "call.progress");
    expect(updates.map((f) => [f.payload.progress, f.payload.total, f.payload.message])).toEqual([
      [1, 3, "step 1"],
      [2, 3, "step 2"],
      [3, 3, "step 3"],
    ]);
    const without = await caller.call("dev1.steps.run", {});
    expect(caller.framesFor(without.id).map((f) => f.type)).toEqual(["call.responded"]);
  });

  test("call.log from the spoke reaches the caller under its own id", async () => {
    const requestId = caller.request("raw1.echo.it", { marker: "log-me" });
    const toSpoke = await spokeFrom(rawSpoke, marked("log-me"));
    rawSpoke.send("call.log", toSpoke.id, {
      requestId: toSpoke.id,
      level: "warning",
      data: { disk: "almost full" },
      logger: "fs",
    });
    rawSpoke.send("call.responded", toSpoke.id, { requestId: toSpoke.id, output: "ok" });
    await caller.waitFor((f) => f.id === requestId && f.type === "call.responded");
    expect(caller.framesFor(requestId).map((f) => [f.type, f.payload])).toEqual([
      ["call.log", { requestId, level: "warning", data: { disk: "almost full" }, logger: "fs" }],
      ["call.responded", { requestId, output: "ok" }],
    ]);
  });

  test("a query answers with exactly one call.responded; the SDK spoke sees the local name and the caller", async () => {
    const sum = await caller.call("dev1.math.add", { a: 2, b: 3 });
    expect(sum.payload.output).toBe(5);
    const seen = (await caller.output("dev1.who.ami", {})) as Record<string, unknown>;
    expect(seen.operation).toBe("who.ami");
    expect(seen.caller).toEqual({ id: callerKey.id, scopes: ["call", "read"] });
    expect(caller.framesFor(sum.id).map((f) => f.type)).toEqual(["call.responded"]);
  });

  test("a subscription answers with one call.responded per item, then call.completed", async () => {
    const requestId = caller.request("dev1.count.up", { n: 5 });
    await caller.waitFor((f) => f.id === requestId && f.type === "call.completed");
    const frames = caller.framesFor(requestId);
    expect(frames.map((f) => f.type)).toEqual([...Array(5).fill("call.responded"), "call.completed"]);
    expect(frames.slice(0, 5).map((f) => f.payload.output)).toEqual([1, 2, 3, 4, 5]);
    expect(frames.at(-1)?.payload).toEqual({ requestId });
  });

  test("a raw spoke streams items and completes; call.completed for a query is an EXECUTION_ERROR", async () => {
    const streamId = caller.request("raw1.feed", {});
    const toSpoke = await spokeFrom(
      rawSpoke,
      (f) => f.type === "call.requested" && f.payload.operation === "feed",
    );
    for (const item of ["a", "b"])
      rawSpoke.send("call.responded", toSpoke.id, { requestId: toSpoke.id, output: item });
    rawSpoke.send("call.completed", toSpoke.id, { requestId: toSpoke.id });
    await caller.waitFor((f) => f.id === streamId && f.type === "call.completed");
    expect(caller.framesFor(streamId).map((f) => f.payload.output ?? f.type)).toEqual([
      "a",
      "b",
      "call.completed",
    ]);

    const queryId = caller.request("raw1.echo.it", { marker: "complete-me" });
    const query = await spokeFrom(rawSpoke, marked("complete-me"));
    rawSpoke.send("call.completed", query.id, { requestId: query.id });
    const error = await caller.waitFor((f) => f.id === queryId && f.type === "call.error");
    expect(error.payload.code).toBe("EXECUTION_ERROR");
  });

  test("10,000 streamed items arrive complete and in order", async () => {
    const n = 10_000;
    const requestId = caller.request("dev1.count.up", { n });
    await caller.waitFor((f) => f.id === requestId && f.type !== "call.responded", 20_000);
    const frames = caller.framesFor(requestId);
    expect(frames.at(-1)?.type).toBe("call.completed");
    const items = frames.filter((f) => f.type === "call.responded").map((f) => f.payload.output as number);
    expect(items.length).toBe(n);
    expect(items.every((item, index) => item === index + 1)).toBe(true);
    // The SDK as a caller sees the same stream.
    let count = 0;
    let inOrder = true;
    for await (const item of dev1.spoke.subscribe<number>("dev1.count.up", { n })) {
      count++;
      if (item !== count) inOrder = false;
    }
    expect({ count, inOrder }).toEqual({ count: n, inOrder: true });
  }, 30_000);

  test("call.error: a thrown error is EXECUTION_ERROR, a spoke's own code passes through", async () => {
    expect(await caller.error("dev1.fail.plain", {})).toEqual({
      code: "EXECUTION_ERROR",
      message: "disk on fire",
    });
    expect(await caller.error("dev1.fail.coded", {})).toEqual({
      code: "FILE_NOT_FOUND",
      message: "no such file",
    });
    // A raw spoke's call.error with details reaches the caller whole.
    const requestId = caller.request("raw1.echo.it", { marker: "fail-me" });
    const toSpoke = await spokeFrom(rawSpoke, marked("fail-me"));
    rawSpoke.send("call.error", toSpoke.id, {
      requestId: toSpoke.id,
      code: "QUOTA_EXCEEDED",
      message: "over",
      details: { left: 0 },
    });
    const error = await caller.waitFor((f) => f.id === requestId && f.type === "call.error");
    expect(error.payload).toEqual({
      requestId,
      code: "QUOTA_EXCEEDED",
      message: "over",
      details: { left: 0 },
    });
  });

  test("OPERATION_NOT_FOUND for unknown operations, spokes and hub operations", async () => {
    for (const name of ["dev1.nope", "ghost.op", "hub.nope", "dev1"]) {
      const error = await caller.error(name, {});
      expect(error.code).toBe("OPERATION_NOT_FOUND");
      expect(error.message).toContain(name);
    }
  });

  test("ACCESS_DENIED: the key's operation globs, and a key without scope call", async () => {
    const limited = await connect(
      (await makeKey(suite.hub, { scopes: ["call"], operations: ["dev1.math.*"] })).key,
    );
    expect(await limited.output("dev1.math.add", { a: 1, b: 1 })).toBe(2);
    const denied = await limited.error("dev1.who.ami", {});
    expect(denied.code).toBe("ACCESS_DENIED");
    expect(denied.message).toContain("dev1.who.ami");
    const reader = await connect((await makeKey(suite.hub, { scopes: ["read"] })).key);
    expect((await reader.error("dev1.math.add", { a: 1, b: 1 })).code).toBe("ACCESS_DENIED");
  });

  test("VALIDATION_ERROR: input that breaks the schema never reaches the spoke, and the message names the field", async () => {
    const wrongType = await caller.error("dev1.math.add", { a: 1, b: "two" });
    expect(wrongType.code).toBe("VALIDATION_ERROR");
    expect(wrongType.message).toContain("b");
    const missing = await caller.error("dev1.math.add", { a: 1 });
    expect(missing.code).toBe("VALIDATION_ERROR");
    expect(missing.message).toContain("b");
    const notObject = await caller.error("dev1.math.add", "1+2");
    expect(notObject.code).toBe("VALIDATION_ERROR");
    // A request id already in flight on this connection is refused too.
    const id = caller.request("raw1.hang", { marker: "dup" });
    await spokeFrom(rawSpoke, marked("dup"));
    const duplicate = await caller.error("raw1.hang", {}, { requestId: id });
    expect(duplicate.code).toBe("VALIDATION_ERROR");
    expect(duplicate.message).toContain(id);
    caller.abort(id);
    // The refusal came under the same id; the call itself is still in flight until aborted.
    await caller.waitFor((f) => f.id === id && f.payload.code === "ABORTED");
  });

  test("TIMEOUT: the deadline passes, the spoke gets call.aborted and the caller TIMEOUT", async () => {
    const requestId = caller.request("raw1.hang", { marker: "deadline" }, { deadline: Date.now() + 300 });
    const toSpoke = await spokeFrom(rawSpoke, marked("deadline"));
    const aborted = await spokeFrom(rawSpoke, (f) => f.id === toSpoke.id && f.type === "call.aborted");
    expect(aborted.payload).toEqual({ requestId: toSpoke.id, reason: "deadline passed" });
    const error = await caller.waitFor((f) => f.id === requestId && f.type === "call.error");
    expect(error.payload.code).toBe("TIMEOUT");
    // A late answer is dropped: the caller sees nothing more for it.
    rawSpoke.send("call.responded", toSpoke.id, { requestId: toSpoke.id, output: "late" });
    expect(await caller.output("dev1.math.add", { a: 0, b: 0 })).toBe(0);
    expect(caller.framesFor(requestId).map((f) => f.type)).toEqual(["call.error"]);

    // An SDK spoke's handler sees its signal fire at the deadline.
    const before = dev1.hold.aborted.length;
    const sdkTimeout = await caller.error("dev1.slow.wait", {}, { deadline: Date.now() + 200 });
    expect(sdkTimeout.code).toBe("TIMEOUT");
    await eventually(() => expect(dev1.hold.aborted.length).toBe(before + 1));
  });

  test("ABORTED: a caller's call.aborted reaches the spoke's AbortSignal", async () => {
    const before = dev1.hold.started.length;
    const requestId = caller.request("dev1.slow.wait", {});
    await eventually(() => expect(dev1.hold.started.length).toBe(before + 1));
    caller.abort(requestId, "changed my mind");
    const error = await caller.waitFor((f) => f.id === requestId && f.type === "call.error");
    expect(error.payload).toMatchObject({ code: "ABORTED", message: "changed my mind" });
    await eventually(() => expect(dev1.hold.aborted).toContain(dev1.hold.started[before]!));
    expect(dev1.hold.reasons.at(-1)).toContain("changed my mind");
  });

  test("ABORTED: a spoke's call.aborted ends the caller's call", async () => {
    const requestId = caller.request("raw1.hang", { marker: "spoke-aborts" });
    const toSpoke = await spokeFrom(rawSpoke, marked("spoke-aborts"));
    rawSpoke.send("call.aborted", toSpoke.id, { requestId: toSpoke.id, reason: "out of memory" });
    const error = await caller.waitFor((f) => f.id === requestId && f.type === "call.error");
    expect(error.payload).toMatchObject({ code: "ABORTED", message: "out of memory" });
  });

  test("a spoke cannot answer or abort calls that are not its own", async () => {
    const requestId = caller.request("raw1.hang", { marker: "not-yours" });
    const toSpoke = await spokeFrom(rawSpoke, marked("not-yours"));
    const intruder = await connect(spokeKey.key);
    await intruder.register({ name: "raw9", operations: [rawOperation("x")] });
    intruder.send("call.responded", toSpoke.id, { requestId: toSpoke.id, output: "forged" });
    intruder.send("call.aborted", toSpoke.id, { requestId: toSpoke.id });
    // The caller's own id means nothing to anyone else either.
    intruder.send("call.aborted", requestId, { requestId });
    expect(await intruder.output("hub.spokes", {})).toBeDefined();
    expect(caller.framesFor(requestId)).toEqual([]);
    rawSpoke.send("call.responded", toSpoke.id, { requestId: toSpoke.id, output: "real" });
    expect((await caller.waitFor((f) => f.id === requestId)).payload.output).toBe("real");
  });

  test("SPOKE_BUSY: a spoke at its maxConcurrency gets no more calls", async () => {
    const busy = await suite.spoke(spokeKey.key, "dev2", { maxConcurrency: 1 });
    const first = caller.request("dev2.slow.wait", {});
    await eventually(() => expect(busy.hold.started.length).toBe(1));
    const refused = await caller.error("dev2.slow.wait", {});
    expect(refused.code).toBe("SPOKE_BUSY");
    busy.hold.current.release();
    expect((await caller.waitFor((f) => f.id === first)).payload.output).toEqual({ done: true });
    expect(await caller.output("dev2.math.add", { a: 1, b: 2 })).toBe(3);
  });

  test("SPOKE_DISCONNECTED when the spoke's socket closes mid-call; SPOKE_UNAVAILABLE afterwards", async () => {
    const leaving = await connect(spokeKey.key);
    await leaving.register({ name: "raw2", operations: [rawOperation("hang")] });
    const requestId = caller.request("raw2.hang", {});
    await spokeFrom(leaving, (f) => f.type === "call.requested" && f.payload.operation === "hang");
    leaving.close();
    const error = await caller.waitFor((f) => f.id === requestId && f.type === "call.error");
    expect(error.payload.code).toBe("SPOKE_DISCONNECTED");
    const later = await caller.error("raw2.hang", {});
    expect(later.code).toBe("SPOKE_UNAVAILABLE");
    expect(later.message).toContain("raw2");
  });

  test("a caller that disconnects mid-call aborts it: the spoke's AbortSignal fires", async () => {
    const leaver = await connect(callerKey.key);
    const before = dev1.hold.started.length;
    leaver.request("dev1.slow.wait", {});
    await eventually(() => expect(dev1.hold.started.length).toBe(before + 1));
    const spokeId = dev1.hold.started[before]!;
    leaver.close();
    await eventually(() => expect(dev1.hold.aborted).toContain(spokeId));
    // A raw spoke is told with call.aborted.
    const leaver2 = await connect(callerKey.key);
    leaver2.request("raw1.hang", { marker: "leaver" });
    const toSpoke = await spokeFrom(rawSpoke, marked("leaver"));
    leaver2.close();
    await spokeFrom(rawSpoke, (f) => f.id === toSpoke.id && f.type === "call.aborted");
  });

  test("a spoke calls another spoke's operation through the hub (call.requested spoke→hub), with parentRequestId", async () => {
    expect(await dev1.spoke.call("dev1.math.add", { a: 20, b: 22 })).toBe(42);
    const parentRequestId = "outer-call";
    const requestId = crypto.randomUUID();
    rawSpoke.send("call.requested", requestId, {
      requestId,
      operation: "dev1.who.ami",
      input: {},
      parentRequestId,
    });
    const answer = await rawSpoke.waitFor((f) => f.id === requestId);
    expect(answer.type).toBe("call.responded");
    expect((answer.payload.output as { caller: { id: string } }).caller.id).toBe(spokeKey.id);
  });

  test("hub.call over /ws calls an operation named in its input, with a timeout", async () => {
    expect(await caller.output("hub.call", { operation: "dev1.math.add", input: { a: 4, b: 5 } })).toBe(9);
    const timedOut = await caller.error("hub.call", {
      operation: "dev1.slow.wait",
      input: {},
      timeoutMs: 150,
    });
    expect(timedOut.code).toBe("TIMEOUT");
    expect((await caller.error("hub.call", { operation: "hub.list", input: {} })).code).toBe(
      "VALIDATION_ERROR",
    );
    expect((await caller.error("hub.call", { operation: "dev1.math.add" })).code).toBe("VALIDATION_ERROR");
  });
});
