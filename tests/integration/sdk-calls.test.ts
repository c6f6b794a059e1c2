/** The SDK calling other operations through a fake hub: results, errors, progress, timeouts, aborts, streams. */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { HubError } from "../../src/protocol/index.ts";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { type FakeConnection, FakeHub } from "../support/fake-hub.ts";
import { connectTest } from "../support/sdk-helpers.ts";

let hub: FakeHub;
let spoke: Spoke;
let connection: FakeConnection;

beforeAll(async () => {
  hub = FakeHub.start();
  // The fake's "other spokes": echo answers, errors, progress, streams, silence.
  hub.onCall = (frame, conn) => {
    const { operation, input } = frame.payload;
    const id = frame.id;
    if (operation === "other.echo") conn.send("call.responded", id, { requestId: id, output: input });
    if (operation === "other.fail") {
      conn.send("call.error", id, {
        requestId: id,
        code: "ACCESS_DENIED",
        message: "no",
        details: { why: "scope" },
      });
    }
    if (operation === "other.progress") {
      conn.send("call.progress", id, { requestId: id, progress: 3, total: 4, message: "almost" });
      conn.send("call.responded", id, { requestId: id, output: "done" });
    }
    if (operation === "other.stream") {
      for (const n of [1, 2]) conn.send("call.responded", id, { requestId: id, output: n });
      conn.send("call.completed", id, { requestId: id });
    }
    if (operation === "other.open") conn.send("call.responded", id, { requestId: id, output: "first" });
  };
  ({ spoke } = await connectTest(hub));
  connection = hub.lastRegistered!;
  connection.frames.length = 0;
});
afterEach(() => {
  connection.frames.length = 0;
});
afterAll(async () => {
  await spoke.close();
  hub.stop();
});

test("call resolves with the output and sends a well-formed call.requested", async () => {
  expect(await spoke.call("other.echo", { x: 1 })).toEqual({ x: 1 });
  const sent = connection.frames.find((frame) => frame.type === "call.requested");
  expect(sent?.payload).toEqual({ requestId: sent!.id, operation: "other.echo", input: { x: 1 } });
});

test("call.error rejects with a HubError carrying code, message and details", async () => {
  const error = await spoke.call("other.fail", {}).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(HubError);
  expect((error as HubError).toWire()).toEqual({
    code: "ACCESS_DENIED",
    message: "no",
    details: { why: "scope" },
  });
});

test("the progress option asks for progress and receives it", async () => {
  const updates: unknown[] = [];
  expect(await spoke.call("other.progress", {}, { progress: (update) => updates.push(update) })).toBe("done");
  expect(updates).toEqual([{ progress: 3, total: 4, message: "almost" }]);
  expect(connection.frames[0]?.payload).toMatchObject({ progress: true });
});

test("timeoutMs sends a deadline, then call.aborted and rejects with TIMEOUT", async () => {
  const before = Date.now();
  const error = await spoke.call("other.silent", {}, { timeoutMs: 50 }).catch((caught: unknown) => caught);
  expect((error as HubError).code).toBe("TIMEOUT");
  const request = connection.frames[0];
  expect((request!.payload as { deadline: number }).deadline).toBeGreaterThanOrEqual(before + 50);
  await eventually(() => connection.frames.length === 2);
  expect(connection.frames[1]).toMatchObject({
    type: "call.aborted",
    id: request!.id,
    payload: { reason: "timeout" },
  });
});

test("aborting the signal sends call.aborted and rejects with ABORTED", async () => {
  const controller = new AbortController();
  const pending = spoke
    .call("other.silent", {}, { signal: controller.signal })
    .catch((caught: unknown) => caught);
  await eventually(() => connection.frames.length === 1);
  controller.abort();
  expect(((await pending) as HubError).code).toBe("ABORTED");
  await eventually(() => connection.frames[1]?.type === "call.aborted");
});

test("subscribe yields each output until call.completed", async () => {
  const items: unknown[] = [];
  for await (const item of spoke.subscribe("other.stream", {})) items.push(item);
  expect(items).toEqual([1, 2]);
});

test("breaking out of an open subscription sends call.aborted for it", async () => {
  for await (const item of spoke.subscribe("other.open", {})) {
    expect(item).toBe("first");
    break;
  }
  await eventually(() => connection.frames.length === 2);
  const [request, abort] = connection.frames;
  expect(abort).toMatchObject({
    type: "call.aborted",
    id: request!.id,
    payload: { reason: "subscriber stopped" },
  });
});

test("a handler's ctx.call carries parentRequestId; too-large input is refused locally", async () => {
  const child = await connectSpoke({
    url: hub.url,
    token: "test-key",
    name: "parent",
    operations: {
      relay: {
        type: "query",
        description: "Calls other.echo",
        input: Type.Object({ text: Type.String() }),
        handler: ({ text }, ctx) => ctx.call("other.echo", { text }),
      },
    },
  });
  try {
    const conn = hub.lastRegistered!;
    const id = conn.call("relay", { text: "hi" });
    await eventually(() => conn.framesFor(id).length === 1);
    expect(conn.framesFor(id)[0]?.payload).toMatchObject({ output: { text: "hi" } });
    const nested = conn.frames.find(
      (frame) => frame.type === "call.requested" && frame.payload.operation === "other.echo",
    );
    expect(nested?.payload).toMatchObject({ parentRequestId: id });
    const huge = await child
      .call("other.echo", { blob: "x".repeat(1024 * 1024) })
      .catch((caught: unknown) => caught);
    expect((huge as HubError).code).toBe("PAYLOAD_TOO_LARGE");
  } finally {
    await child.close();
  }
});
