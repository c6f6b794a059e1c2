/**
 * Cancellation on `/mcp` reaches the spoke's ctx.signal however it comes: the SDK Client aborting its request
 * (notifications/cancelled on the session), a notifications/cancelled in a separate raw POST (with and without
 * a session), and a client that drops the POST's response stream.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import type { Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import {
  connectMcp,
  type Latch,
  latch,
  type McpConnection,
  type McpTestKey,
  makeKey,
  postMcp,
  startSpoke,
} from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

let hub: TestHub;
let spoke: Spoke;
let callKey: McpTestKey;
let otherKey: McpTestKey;
const clients: McpConnection[] = [];

/** What the slow handler saw, by the `tag` of its input. */
const started = new Set<string>();
const aborted = new Map<string, unknown>();
let release: Latch;

beforeAll(async () => {
  hub = await startTestHub();
  const spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["slow"] });
  spoke = await startSpoke(hub.url, spokeKey.key, {
    name: "slow",
    operations: {
      "job.wait": {
        type: "mutation",
        description: "Runs until the test releases it or the call is aborted",
        input: Type.Object({ tag: Type.String() }),
        handler: async ({ tag }: { tag: string }, ctx) => {
          started.add(tag);
          const abortedNow = new Promise<void>((resolve) =>
            ctx.signal.addEventListener("abort", () => {
              aborted.set(tag, ctx.signal.reason);
              resolve();
            }),
          );
          await Promise.race([release.wait, abortedNow]);
          return { tag, finished: !ctx.signal.aborted };
        },
      },
    },
  });
  callKey = await makeKey(hub.hub, { scopes: ["call"] });
  otherKey = await makeKey(hub.hub, { scopes: ["call"] });
}, 30_000);

beforeEach(() => {
  release = latch();
});

afterAll(async () => {
  release?.release();
  for (const client of clients) await client.close().catch(() => {});
  await spoke?.close();
  await hub?.stop();
});

const mcpUrl = () => `${hub.url}/mcp`;
const bearer = (key: McpTestKey) => ({ authorization: `Bearer ${key.key}` });

function toolsCall(id: string | number, tag: string) {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "hub.call", arguments: { operation: "slow.job.wait", input: { tag } } },
  };
}

function cancelled(requestId: string | number) {
  return { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId, reason: "test" } };
}

async function connect(key: McpTestKey): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, key.key);
  clients.push(connection);
  return connection;
}

async function waitStarted(tag: string): Promise<void> {
  await eventually(() => started.has(tag), { what: `handler ${tag} started` });
}

test("the SDK Client aborting callTool sends notifications/cancelled and the spoke's ctx.signal fires", async () => {
  const { client } = await connect(callKey);
  const controller = new AbortController();
  const pending = client
    .callTool(
      { name: "hub.call", arguments: { operation: "slow.job.wait", input: { tag: "sdk" } } },
      undefined,
      {
        signal: controller.signal,
      },
    )
    .catch((error: unknown) => error);
  await waitStarted("sdk");
  controller.abort("the user changed their mind");
  expect(String(await pending)).toContain("changed their mind");
  await eventually(() => aborted.has("sdk"), { what: "spoke saw the abort" });
  // The session goes on working after a cancelled call.
  release.release();
  const next = await client.callTool({
    name: "hub.call",
    arguments: { operation: "slow.job.wait", input: { tag: "sdk-after" } },
  });
  expect(next.structuredContent).toEqual({ tag: "sdk-after", finished: true });
  expect(aborted.has("sdk-after")).toBe(false);
});

test("a notifications/cancelled in a separate POST with the session id and the same key cancels the call", async () => {
  const { sessionId } = await connect(callKey);
  const headers = { ...bearer(callKey), "mcp-session-id": sessionId! };
  const callResponse = postMcp(mcpUrl(), toolsCall("call-7", "separate"), headers);
  await waitStarted("separate");
  // Another key naming the same request id cancels nothing.
  const foreign = await postMcp(mcpUrl(), cancelled("call-7"), bearer(otherKey));
  expect(foreign.status).toBeLessThan(300);
  const stillRunning = await postMcp(mcpUrl(), { jsonrpc: "2.0", id: "ping-1", method: "ping" }, headers);
  expect(stillRunning.status).toBe(200);
  await stillRunning.text();
  expect(aborted.has("separate")).toBe(false);

  const cancel = await postMcp(mcpUrl(), cancelled("call-7"), headers);
  expect(cancel.status).toBe(202);
  await eventually(() => aborted.has("separate"), { what: "spoke saw the abort" });
  // The call's own stream ends without a result (cancelled requests get no response) or with an error.
  const response = await callResponse;
  const body = await response.text();
  expect(body).not.toContain('"finished":true');
});

test("a stateless caller (no session) can cancel its call in a separate POST", async () => {
  const callResponse = postMcp(mcpUrl(), toolsCall(41, "stateless"), bearer(callKey));
  await waitStarted("stateless");
  const cancel = await postMcp(mcpUrl(), cancelled(41), bearer(callKey));
  expect(cancel.status).toBe(202);
  await eventually(() => aborted.has("stateless"), { what: "spoke saw the abort" });
  const body = await (await callResponse).text();
  expect(body).not.toContain('"finished":true');
});

test("a client that drops the POST's response stream aborts the call at the spoke", async () => {
  const { sessionId } = await connect(callKey);
  const controller = new AbortController();
  const response = await postMcp(
    mcpUrl(),
    toolsCall("drop-1", "dropped"),
    { ...bearer(callKey), "mcp-session-id": sessionId!, accept: "application/json, text/event-stream" },
    controller.signal,
  );
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  await waitStarted("dropped");
  controller.abort();
  await response.body?.cancel().catch(() => {});
  await eventually(() => aborted.has("dropped"), { what: "spoke saw the abort", timeoutMs: 8000 });
});

test("cancelling a call that already finished is harmless", async () => {
  const { client, sessionId } = await connect(callKey);
  release.release();
  const done = await client.callTool({
    name: "hub.call",
    arguments: { operation: "slow.job.wait", input: { tag: "done" } },
  });
  expect(done.structuredContent).toEqual({ tag: "done", finished: true });
  const cancel = await postMcp(mcpUrl(), cancelled(1), { ...bearer(callKey), "mcp-session-id": sessionId! });
  expect(cancel.status).toBe(202);
  expect(await client.ping()).toEqual({});
});
