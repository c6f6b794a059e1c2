/** The SDK serving calls from a fake hub: results, aborts, subscriptions, errors, concurrency, progress. */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { connectSpoke, defineOperation, type Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { FakeHub } from "../support/fake-hub.ts";
import { connectTest } from "../support/sdk-helpers.ts";

let hub: FakeHub;
const spokes: Spoke[] = [];
beforeAll(() => {
  hub = FakeHub.start();
});
afterEach(async () => {
  for (const spoke of spokes.splice(0)) await spoke.close();
});
afterAll(() => hub.stop());

async function setup(overrides = {}) {
  const result = await connectTest(hub, overrides);
  spokes.push(result.spoke);
  const connection = hub.lastRegistered;
  if (!connection) throw new Error("the spoke did not register");
  return { ...result, connection };
}

test("registers its operations as JSON Schema specs and resolves with the hub's output", async () => {
  const { spoke, connection } = await setup({ kind: "dev-env", maxConcurrency: 4, visibility: "owner" });
  expect(spoke.registration?.name).toBe("dev1");
  expect(connection.authVia).toBe("header");
  const input = connection.registration!;
  expect(input).toMatchObject({ name: "dev1", kind: "dev-env", maxConcurrency: 4, visibility: "owner" });
  const add = input.operations.find((op) => op.name === "math.add");
  expect(add).toMatchObject({
    type: "query",
    description: "Adds two numbers",
    outputSchema: { type: "number" },
  });
  expect(add?.inputSchema).toMatchObject({ type: "object", required: ["a", "b"] });
  expect(input.operations.map((op) => op.name).sort()).toEqual([
    "count.up",
    "fail.coded",
    "fail.plain",
    "math.add",
    "slow.wait",
  ]);
});

test("answers a query with call.responded", async () => {
  const { connection } = await setup();
  const id = connection.call("math.add", { a: 2, b: 3 });
  const frames = await eventually(() => connection.framesFor(id).length === 1 && connection.framesFor(id));
  expect(frames[0]).toEqual({ type: "call.responded", id, payload: { requestId: id, output: 5 } });
});

test("accepts the published name too, and answers OPERATION_NOT_FOUND for unknown operations", async () => {
  const { connection } = await setup();
  const published = connection.call("dev1.math.add", { a: 1, b: 1 });
  const unknown = connection.call("nope.op", {});
  await eventually(() => connection.framesFor(published).length + connection.framesFor(unknown).length === 2);
  expect(connection.framesFor(published)[0]?.payload).toMatchObject({ output: 2 });
  expect(connection.framesFor(unknown)[0]).toMatchObject({
    type: "call.error",
    payload: { code: "OPERATION_NOT_FOUND", message: 'spoke "dev1" has no operation "nope.op"' },
  });
});

test("call.aborted aborts the handler's signal and nothing more is sent for it", async () => {
  const { connection, hold } = await setup();
  const id = connection.call("slow.wait", {});
  connection.send("call.aborted", id, { requestId: id, reason: "caller gave up" });
  await eventually(() => hold.aborted.includes(id));
  hold.current.release();
  // A later call proves the socket is still served, and its answer is the only new frame.
  const probe = connection.call("math.add", { a: 1, b: 2 });
  await eventually(() => connection.framesFor(probe).length === 1);
  expect(connection.framesFor(id)).toEqual([]);
});

test("a subscription sends one call.responded per item, then call.completed", async () => {
  const { connection } = await setup();
  const id = connection.call("count.up", { n: 3 });
  await eventually(() => connection.framesFor(id).some((frame) => frame.type === "call.completed"));
  expect(
    connection.framesFor(id).map((frame) => [frame.type, (frame.payload as { output?: unknown }).output]),
  ).toEqual([
    ["call.responded", 1],
    ["call.responded", 2],
    ["call.responded", 3],
    ["call.completed", undefined],
  ]);
});

test("handler errors become call.error: EXECUTION_ERROR, or the error's own domain code", async () => {
  const { connection } = await setup();
  const plain = connection.call("fail.plain", {});
  const coded = connection.call("fail.coded", {});
  await eventually(() => connection.framesFor(plain).length + connection.framesFor(coded).length === 2);
  expect(connection.framesFor(plain)[0]?.payload).toEqual({
    requestId: plain,
    code: "EXECUTION_ERROR",
    message: "disk on fire",
  });
  expect(connection.framesFor(coded)[0]?.payload).toEqual({
    requestId: coded,
    code: "FILE_NOT_FOUND",
    message: "no such file",
  });
});

test("over maxConcurrency the spoke answers SPOKE_BUSY; a freed slot is used again", async () => {
  const { connection, hold } = await setup({ maxConcurrency: 1 });
  const first = connection.call("slow.wait", {});
  const second = connection.call("slow.wait", {});
  await eventually(() => connection.framesFor(second).length === 1);
  expect(connection.framesFor(second)[0]).toMatchObject({
    type: "call.error",
    payload: { code: "SPOKE_BUSY" },
  });
  hold.current.release();
  await eventually(() => connection.framesFor(first).length === 1);
  const third = connection.call("math.add", { a: 1, b: 1 });
  await eventually(() => connection.framesFor(third).length === 1);
  expect(connection.framesFor(third)[0]?.type).toBe("call.responded");
});

test("progress frames are sent only when the caller asked for them; the context carries the caller", async () => {
  const seen: unknown[] = [];
  const spoke = await connectSpoke({
    url: hub.url,
    token: "test-key",
    name: "prog",
    operations: {
      work: defineOperation({
        type: "query",
        description: "Reports progress",
        input: Type.Object({}),
        output: Type.String(),
        handler: (_input, ctx) => {
          seen.push(ctx.caller);
          ctx.progress(1, 2, "half");
          return "ok";
        },
      }),
    },
  });
  spokes.push(spoke);
  const connection = hub.lastRegistered!;
  const wanted = connection.call("work", {}, { progress: true, scopes: ["call", "read"] });
  const silent = connection.call("work", {});
  await eventually(
    () => connection.framesFor(wanted).length === 2 && connection.framesFor(silent).length === 1,
  );
  expect(connection.framesFor(wanted).map((frame) => frame.type)).toEqual([
    "call.progress",
    "call.responded",
  ]);
  expect(connection.framesFor(wanted)[0]?.payload).toEqual({
    requestId: wanted,
    progress: 1,
    total: 2,
    message: "half",
  });
  expect(connection.framesFor(silent).map((frame) => frame.type)).toEqual(["call.responded"]);
  expect(seen[0]).toEqual({ id: "key_test", scopes: ["call", "read"] });
});

test("an invalid frame from the hub is answered with protocol.error naming the problem", async () => {
  const { connection, events } = await setup();
  connection.sendRaw(JSON.stringify({ type: "call.progress", id: "x1", payload: { requestId: "x1" } }));
  await eventually(() => connection.frames.some((frame) => frame.type === "protocol.error"));
  const reply = connection.frames.find((frame) => frame.type === "protocol.error");
  expect(reply?.payload).toEqual({ message: "call.progress frame: payload.progress is required", ref: "x1" });
  await eventually(() => events.some((event) => event.type === "error"));
});
