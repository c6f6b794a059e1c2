/**
 * Notifications on `/mcp` through the SDK's own Client: a progressToken brings the spoke's ctx.progress as
 * notifications/progress, a subscription called through hub.call returns its items with progress per item, and
 * ctx.log arrives as notifications/message filtered by logging/setLevel.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { LoggingMessageNotificationSchema, type Progress } from "@modelcontextprotocol/sdk/types.js";
import { Type } from "@sinclair/typebox";
import type { Spoke } from "../../src/sdk/index.ts";
import {
  connectMcp,
  type McpConnection,
  type McpTestKey,
  makeKey,
  startSpoke,
} from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

let hub: TestHub;
let spoke: Spoke;
let callKey: McpTestKey;
const clients: McpConnection[] = [];

beforeAll(async () => {
  hub = await startTestHub();
  const spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["work"] });
  spoke = await startSpoke(hub.url, spokeKey.key, {
    name: "work",
    operations: {
      "job.steps": {
        type: "mutation",
        description: "Reports progress three times, then finishes",
        input: Type.Object({}),
        handler: (_input: unknown, ctx) => {
          for (let step = 1; step <= 3; step++) ctx.progress(step, 3, `step ${step}`);
          return { done: true };
        },
      },
      "job.count": {
        type: "subscription",
        description: "Yields 1..n",
        input: Type.Object({ n: Type.Integer() }),
        async *handler({ n }: { n: number }) {
          for (let i = 1; i <= n; i++) yield { i };
        },
      },
      "job.chatty": {
        type: "query",
        description: "Logs at several levels, then answers",
        input: Type.Object({}),
        handler: (_input: unknown, ctx) => {
          ctx.log("debug", { detail: "fine-grained" });
          ctx.log("info", "starting", "job");
          ctx.log("warning", { disk: "almost full" });
          ctx.log("error", "something broke", "job");
          return { ok: true };
        },
      },
    },
  });
  callKey = await makeKey(hub.hub, { scopes: ["call"] });
}, 30_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await spoke?.close();
  await hub?.stop();
});

async function connect(): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, callKey.key);
  clients.push(connection);
  return connection;
}

test("a client that sends a progressToken gets the spoke's progress as notifications/progress", async () => {
  const { client } = await connect();
  const updates: Progress[] = [];
  const result = await client.callTool(
    { name: "hub.call", arguments: { operation: "work.job.steps", input: {} } },
    undefined,
    { onprogress: (progress) => updates.push(progress) },
  );
  expect(result.structuredContent).toEqual({ done: true });
  expect(updates).toEqual([
    { progress: 1, total: 3, message: "step 1" },
    { progress: 2, total: 3, message: "step 2" },
    { progress: 3, total: 3, message: "step 3" },
  ]);
});

test("without a progressToken, no progress is sent and the call still answers", async () => {
  const { client } = await connect();
  const result = await client.callTool({
    name: "hub.call",
    arguments: { operation: "work.job.steps", input: {} },
  });
  expect(result.structuredContent).toEqual({ done: true });
});

test("a subscription called through hub.call returns the collected items, with progress per item", async () => {
  const { client } = await connect();
  const updates: Progress[] = [];
  const result = await client.callTool(
    { name: "hub.call", arguments: { operation: "work.job.count", input: { n: 4 } } },
    undefined,
    { onprogress: (progress) => updates.push(progress) },
  );
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toEqual({
    items: [{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }],
    truncated: false,
  });
  expect(updates.map((update) => update.progress)).toEqual([1, 2, 3, 4]);
});

test("ctx.log arrives as notifications/message, every level until logging/setLevel filters", async () => {
  const { client } = await connect();
  const messages: Array<{ level: string; data: unknown; logger?: string }> = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    messages.push(notification.params);
  });
  const call = () =>
    client.callTool({ name: "hub.call", arguments: { operation: "work.job.chatty", input: {} } });

  expect((await call()).structuredContent).toEqual({ ok: true });
  // Notifications travel on the call's own stream, before its answer.
  expect(messages).toEqual([
    { level: "debug", data: { detail: "fine-grained" } },
    { level: "info", data: "starting", logger: "job" },
    { level: "warning", data: { disk: "almost full" } },
    { level: "error", data: "something broke", logger: "job" },
  ]);

  messages.length = 0;
  await client.setLoggingLevel("warning");
  expect((await call()).structuredContent).toEqual({ ok: true });
  expect(messages.map((message) => message.level)).toEqual(["warning", "error"]);

  messages.length = 0;
  await client.setLoggingLevel("emergency");
  await call();
  expect(messages).toEqual([]);
});
