/**
 * `/mcp/spokes/<name>`: one spoke's operations as direct tools (local names, schemas, annotations), calling
 * them, MCP-shaped output passed through unchanged, and notifications/tools/list_changed on the GET stream
 * when the spoke re-registers with other operations or leaves.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type CallToolResult, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { Type } from "@sinclair/typebox";
import type { AnyOperationDef, Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import {
  connectMcp,
  type McpConnection,
  type McpTestKey,
  makeKey,
  postMcp,
  startSpoke,
  textJson,
} from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const WAV_BASE64 = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";
/** A spoke that wraps an existing MCP tool returns a CallToolResult; the hub must not touch it. */
const MCP_SHAPED: CallToolResult = {
  content: [
    { type: "text", text: "a caption" },
    { type: "image", data: PNG_BASE64, mimeType: "image/png" },
    { type: "audio", data: WAV_BASE64, mimeType: "audio/wav" },
    { type: "resource", resource: { uri: "file:///notes/a.txt", mimeType: "text/plain", text: "hello" } },
  ],
};

let hub: TestHub;
let spokeKey: McpTestKey;
let callKey: McpTestKey;
let spoke: Spoke | undefined;
const clients: McpConnection[] = [];

const firstOperations: Record<string, AnyOperationDef> = {
  "fs.read": {
    type: "query",
    title: "Read a file",
    description: "Reads a file",
    input: Type.Object({ path: Type.String() }),
    output: Type.Object({ path: Type.String(), text: Type.String() }),
    annotations: { readOnly: true, idempotent: true, openWorld: false },
    handler: ({ path }: { path: string }) => ({ path, text: `contents of ${path}` }),
  },
  "fs.remove": {
    type: "mutation",
    description: "Removes a file",
    input: Type.Object({ path: Type.String() }),
    annotations: { destructive: true },
    handler: ({ path }: { path: string }) => ({ removed: path }),
  },
  "media.sample": {
    type: "query",
    description: "Returns a caption, an image, a sound and a resource, MCP-shaped",
    input: Type.Object({}),
    handler: () => MCP_SHAPED,
  },
};

const secondOperations: Record<string, AnyOperationDef> = {
  "fs.read": firstOperations["fs.read"]!,
  "fs.stat": {
    type: "query",
    description: "Tells a file's size",
    input: Type.Object({ path: Type.String() }),
    handler: ({ path }: { path: string }) => ({ path, size: 42 }),
  },
};

beforeAll(async () => {
  hub = await startTestHub();
  spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["dev1"] });
  callKey = await makeKey(hub.hub, { scopes: ["call"] });
  spoke = await startSpoke(hub.url, spokeKey.key, { name: "dev1", operations: firstOperations });
}, 30_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await spoke?.close();
  await hub?.stop();
});

async function connect(key: McpTestKey = callKey, spokeName = "dev1"): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, key.key, { path: `/mcp/spokes/${spokeName}` });
  clients.push(connection);
  return connection;
}

test("tools are the spoke's operations by local name, with their schemas and annotations", async () => {
  const { client } = await connect();
  expect(client.getServerVersion()?.name).toBe("alkhub/dev1");
  expect(client.getServerCapabilities()?.tools?.listChanged).toBe(true);
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name)).toEqual(["fs.read", "fs.remove", "media.sample"]);
  const [read, remove] = tools;
  expect(read).toMatchObject({
    name: "fs.read",
    title: "Read a file",
    description: "Reads a file",
    inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
    outputSchema: { type: "object", properties: { path: { type: "string" }, text: { type: "string" } } },
    annotations: { title: "Read a file", readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  });
  expect(remove!.annotations).toEqual({ destructiveHint: true });
});

test("calling a tool runs the operation; errors are isError results", async () => {
  const { client } = await connect();
  const result = await client.callTool({ name: "fs.read", arguments: { path: "/etc/motd" } });
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toEqual({ path: "/etc/motd", text: "contents of /etc/motd" });
  expect(textJson(result)).toEqual(result.structuredContent);
  const invalid = await client.callTool({ name: "fs.remove", arguments: { path: 7 } });
  expect(invalid.isError).toBe(true);
  expect(invalid.structuredContent).toMatchObject({ code: "VALIDATION_ERROR" });
  // An unknown tool is the protocol error MCP asks for, its message not doubled.
  const missing = client.callTool({ name: "fs.nope", arguments: {} });
  await expect(missing).rejects.toMatchObject({
    code: -32602,
    message: 'MCP error -32602: unknown tool "fs.nope"',
  });
});

test("MCP-shaped output (text, image, audio, resource) is passed through unchanged", async () => {
  const { client } = await connect();
  const result = await client.callTool({ name: "media.sample", arguments: {} });
  expect(result).toEqual(MCP_SHAPED);
  // The same through hub.call on /mcp.
  const meta = await connectMcp(hub.url, callKey.key);
  clients.push(meta);
  const relayed = await meta.client.callTool({
    name: "hub.call",
    arguments: { operation: "dev1.media.sample", input: {} },
  });
  expect(relayed).toEqual(MCP_SHAPED);
});

test("a key limited by operation globs sees and calls only those tools; an unknown spoke is 404", async () => {
  const limited = await makeKey(hub.hub, { scopes: ["call"], operations: ["dev1.fs.*"] });
  const { client } = await connect(limited);
  expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["fs.read", "fs.remove"]);
  // A tool the key may not call is as unknown as one that does not exist.
  await expect(client.callTool({ name: "media.sample", arguments: {} })).rejects.toMatchObject({
    code: -32602,
  });
  // A spoke that does not exist has no endpoint.
  const elsewhere = await postMcp(
    `${hub.url}/mcp/spokes/nobody`,
    {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    },
    { authorization: `Bearer ${callKey.key}` },
  );
  expect(elsewhere.status).toBe(404);
});

test("re-registering with other operations, then leaving, sends notifications/tools/list_changed", async () => {
  const connection = await connect();
  const { client } = connection;
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes++;
  });
  await connection.streamOpen;
  const names = async () => (await client.listTools()).tools.map((tool) => tool.name);
  expect(await names()).toEqual(["fs.read", "fs.remove", "media.sample"]);

  await spoke!.close();
  spoke = await startSpoke(hub.url, spokeKey.key, { name: "dev1", operations: secondOperations });
  await eventually(() => changes > 0, { what: "list_changed after re-registering" });
  await eventually(async () => (await names()).join() === "fs.read,fs.stat", { what: "the new tool list" });
  const stat = await client.callTool({ name: "fs.stat", arguments: { path: "/x" } });
  expect(stat.structuredContent).toEqual({ path: "/x", size: 42 });

  const before = changes;
  await spoke.close();
  spoke = undefined;
  await eventually(() => changes > before, { what: "list_changed after the spoke left" });
  await eventually(async () => (await names()).length === 0, { what: "an empty tool list" });
  const gone = await client.callTool({ name: "fs.read", arguments: { path: "/x" } });
  expect(gone.isError).toBe(true);
  // fs.read declares an output schema: the error is in the text and _meta, not in structuredContent.
  expect(gone.structuredContent).toBeUndefined();
  expect(gone._meta?.["alkhub/error"]).toMatchObject({ code: "SPOKE_UNAVAILABLE" });
  expect(textJson(gone)).toMatchObject({ code: "SPOKE_UNAVAILABLE" });
});

test("tools/list pages 100 tools at a time with nextCursor; a cursor the hub did not issue is -32602", async () => {
  const manyKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["many"] });
  const operations: Record<string, AnyOperationDef> = {};
  for (let i = 0; i < 101; i++) {
    operations[`op.n${String(i).padStart(3, "0")}`] = {
      type: "query",
      description: `Operation ${i}`,
      input: Type.Object({}),
      handler: () => ({ i }),
    };
  }
  const many = await startSpoke(hub.url, manyKey.key, { name: "many", operations });
  try {
    const { client } = await connect(callKey, "many");
    const first = await client.listTools();
    expect(first.tools).toHaveLength(100);
    expect(first.tools[0]!.name).toBe("op.n000");
    expect(first.nextCursor).toBeString();
    const second = await client.listTools({ cursor: first.nextCursor });
    expect(second.tools.map((tool) => tool.name)).toEqual(["op.n100"]);
    expect(second.nextCursor).toBeUndefined();
    await expect(client.listTools({ cursor: "not-ours" })).rejects.toMatchObject({ code: -32602 });
  } finally {
    await many.close();
  }
});
