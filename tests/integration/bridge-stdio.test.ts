/**
 * The bridge with real MCP servers over stdio (the "everything" and filesystem reference servers from the
 * registry): tools listed, searched and called through the hub's /mcp (hub.* and /mcp/spokes/<name>), with
 * structured output, progress, cancellation, isError results, tools/list_changed, and a child killed mid-call.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { type McpTarget, ServerBridge } from "../../src/bridge/index.ts";
import { createLogger } from "../../src/log/index.ts";
import { eventually } from "../support/eventually.ts";
import { connectMcp, type McpConnection, type McpTestKey, makeKey, wsUrl } from "../support/mcp-client.ts";
import { everythingStdio, filesystemStdio } from "../support/mcp-servers.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

let hub: TestHub;
let callKey: McpTestKey;
let spokeKey: McpTestKey;
let dir: string;
const logs: string[] = [];
const bridges: ServerBridge[] = [];
const clients: McpConnection[] = [];

function bridge(name: string, target: McpTarget) {
  const server = new ServerBridge({
    name,
    target,
    hub: { url: wsUrl(hub.url), token: spokeKey.key },
    log: createLogger({ sink: (line) => logs.push(line), level: "debug" }),
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
  });
  bridges.push(server);
  return server;
}

async function connect(path = "/mcp"): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, callKey.key, { path });
  clients.push(connection);
  return connection;
}

function hubCall(client: McpConnection["client"], operation: string, input: unknown, options = {}) {
  return client.callTool({ name: "hub.call", arguments: { operation, input } }, undefined, options);
}

let ev: ServerBridge;
let fs: ServerBridge;

beforeAll(async () => {
  hub = await startTestHub();
  spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["ev", "fs"] });
  callKey = await makeKey(hub.hub, { scopes: ["call", "read"] });
  dir = await mkdtemp(join(tmpdir(), "alkhub-bridge-fs-"));
  await writeFile(join(dir, "hello.txt"), "hello from the filesystem server\n");
  ev = bridge("ev", everythingStdio());
  fs = bridge("fs", filesystemStdio(dir));
  await Promise.all([ev.start(), fs.start()]);
  await eventually(() => ev.registered && fs.registered, {
    timeoutMs: 30_000,
    what: "both spokes registered",
  });
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  for (const server of bridges) await server.close();
  await hub?.stop();
  await rm(dir, { recursive: true, force: true });
}, 30_000);

test("every tool is an operation: listed with its schemas, title and annotations, and searchable", async () => {
  const { client } = await connect();
  const listed = await client.callTool({ name: "hub.list", arguments: { namespace: "ev", limit: 100 } });
  const names = (listed.structuredContent as { operations: { name: string }[] }).operations.map(
    (o) => o.name,
  );
  expect(names).toContain("ev.echo");
  expect(names).toContain("ev.get-structured-content");
  const schema = await client.callTool({
    name: "hub.schema",
    arguments: { operation: "ev.get-structured-content" },
  });
  const spec = schema.structuredContent as Record<string, unknown>;
  expect(JSON.stringify(spec)).toContain("temperature");
  expect(spec.title).toBe("Get Structured Content Tool");
  const found = await client.callTool({ name: "hub.search", arguments: { query: "structured content" } });
  const hits = (found.structuredContent as { operations: { name: string }[] }).operations.map((o) => o.name);
  expect(hits).toContain("ev.get-structured-content");

  const direct = await connect("/mcp/spokes/ev");
  const { tools } = await direct.client.listTools();
  const structured = tools.find((tool) => tool.name === "get-structured-content");
  expect(structured?.outputSchema?.properties).toHaveProperty("temperature");
  expect(structured?.annotations?.readOnlyHint).toBe(true);
  const fsTools = (await (await connect("/mcp/spokes/fs")).client.listTools()).tools.map((t) => t.name);
  expect(fsTools).toContain("read_text_file");
}, 30_000);

test("a call with structured output passes structuredContent and content through", async () => {
  const { client } = await connect();
  const result = await hubCall(client, "ev.get-structured-content", { location: "Chicago" });
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toHaveProperty("temperature");
  const direct = await connect("/mcp/spokes/ev");
  const again = await direct.client.callTool({
    name: "get-structured-content",
    arguments: { location: "Chicago" },
  });
  expect(again.structuredContent).toEqual(result.structuredContent as Record<string, unknown>);
  const file = await hubCall(client, "fs.read_text_file", { path: join(dir, "hello.txt") });
  expect(JSON.stringify(file.content)).toContain("hello from the filesystem server");
}, 30_000);

test("a long call reports the server's progress to the caller", async () => {
  const { client } = await connect();
  const updates: Progress[] = [];
  const result = await hubCall(
    client,
    "ev.trigger-long-running-operation",
    { duration: 1, steps: 4 },
    { onprogress: (progress: Progress) => updates.push(progress) },
  );
  expect(result.isError).toBeFalsy();
  // In order, with the server's total. The last one may lose the race with the answer on /mcp (the hub's MCP
  // layer sends notifications asynchronously), so it is not required.
  const steps = updates.map((update) => update.progress);
  expect(steps.slice(0, 3)).toEqual([1, 2, 3]);
  expect(steps.length).toBeLessThanOrEqual(4);
  expect(updates[0]?.total).toBe(4);
}, 30_000);

test("a cancelled call is cancelled at the server (notifications/cancelled) and the bridge is free again", async () => {
  const { client } = await connect();
  const controller = new AbortController();
  const started = Date.now();
  const call = hubCall(
    client,
    "ev.trigger-long-running-operation",
    { duration: 30, steps: 30 },
    { signal: controller.signal, onprogress: () => controller.abort() },
  );
  await expect(call).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(20_000);
  await eventually(() => logs.some((line) => line.includes("call cancelled at the MCP server")), {
    timeoutMs: 10_000,
    what: "the bridge to cancel the call at the server",
  });
  // The bridge still serves.
  const echo = await hubCall(client, "ev.echo", { message: "after cancel" });
  expect(JSON.stringify(echo.content)).toContain("after cancel");
}, 30_000);

test("an isError result from the server reaches the caller as it is", async () => {
  const { client } = await connect();
  const result = await hubCall(client, "fs.read_text_file", { path: "/etc/passwd" });
  expect(result.isError).toBe(true);
  expect(JSON.stringify(result.content)).toMatch(/denied|outside|not allowed/i);
}, 30_000);

test("tools/list_changed from the server registers the spoke again with the new tools", async () => {
  // The everything server registers its client-capability tools after initialize and says so with
  // tools/list_changed; the bridge announces roots, so get-roots-list appears.
  await eventually(
    () => logs.some((line) => line.includes('"reason":"list-changed"') && line.includes('"spoke":"ev"')),
    { timeoutMs: 15_000, what: "a list-changed registration" },
  );
  expect(ev.operations).toContain("get-roots-list");
  const { client } = await connect();
  const schema = await client.callTool({ name: "hub.schema", arguments: { operation: "ev.get-roots-list" } });
  expect(schema.isError).toBeFalsy();
}, 30_000);

test("a child killed mid-call: the caller gets a typed error, the child restarts and the spoke re-registers", async () => {
  const { client } = await connect();
  const pid = ev.serverPid;
  expect(pid).toBeGreaterThan(0);
  const call = hubCall(client, "ev.trigger-long-running-operation", { duration: 20, steps: 20 });
  await Bun.sleep(300);
  process.kill(pid as number, "SIGKILL");
  const result = await call;
  expect(result.isError).toBe(true);
  expect((result.structuredContent as { code: string }).code).toMatch(/SPOKE_DISCONNECTED|SPOKE_UNAVAILABLE/);
  await eventually(() => ev.registered && ev.serverPid !== undefined && ev.serverPid !== pid, {
    timeoutMs: 30_000,
    what: "the child restarted and the spoke registered again",
  });
  const echo = await eventually(
    async () => {
      const answer = await hubCall(client, "ev.echo", { message: "back" });
      return answer.isError ? false : answer;
    },
    { timeoutMs: 15_000, what: "echo after the restart" },
  );
  expect(JSON.stringify(echo.content)).toContain("back");
}, 60_000);
