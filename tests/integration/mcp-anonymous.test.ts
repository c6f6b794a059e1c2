/**
 * `mcp.anonymous`: with it enabled, a client without a key lists and calls with the configured scopes and
 * operation globs; a key that is presented is still checked. (With it off — the default — a keyless client gets
 * 401: mcp-auth.test.ts.)
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Type } from "@sinclair/typebox";
import type { Spoke } from "../../src/sdk/index.ts";
import { connectMcp, type McpConnection, makeKey, startSpoke } from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

let hub: TestHub;
let spoke: Spoke;
const clients: McpConnection[] = [];

beforeAll(async () => {
  hub = await startTestHub({
    extra: { mcp: { anonymous: { enabled: true, scopes: ["read", "call"], operations: ["open.*"] } } },
  });
  const spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["open", "closed"] });
  const echo = {
    type: "query" as const,
    description: "Echoes",
    input: Type.Object({ text: Type.String() }),
    handler: ({ text }: { text: string }) => ({ text }),
  };
  spoke = await startSpoke(hub.url, spokeKey.key, { name: "open", operations: { "text.echo": echo } });
  await (
    await startSpoke(hub.url, spokeKey.key, { name: "closed", operations: { "text.echo": echo } })
  ).close();
}, 30_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await spoke?.close();
  await hub?.stop();
});

async function connect(path?: string): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, undefined, { path });
  clients.push(connection);
  return connection;
}

test("a client without a key can list and call", async () => {
  const { client, sessionId } = await connect();
  expect(sessionId).toBeDefined();
  expect((await client.listTools()).tools).toHaveLength(4);
  const listed = await client.callTool({ name: "hub.list", arguments: {} });
  expect(
    (listed.structuredContent as { operations: Array<{ name: string }> }).operations.map((op) => op.name),
  ).toEqual(["open.text.echo"]);
  const called = await client.callTool({
    name: "hub.call",
    arguments: { operation: "open.text.echo", input: { text: "hello" } },
  });
  expect(called.isError).toBeFalsy();
  expect(called.structuredContent).toEqual({ text: "hello" });
});

test("anonymous callers are held to the configured operation globs (outside them an operation is not found)", async () => {
  const { client } = await connect();
  const outside = await client.callTool({
    name: "hub.call",
    arguments: { operation: "closed.text.echo", input: { text: "x" } },
  });
  expect(outside.isError).toBe(true);
  expect(outside.structuredContent).toMatchObject({ code: "OPERATION_NOT_FOUND" });
});

test("the per-spoke endpoint works without a key too", async () => {
  const { client } = await connect("/mcp/spokes/open");
  expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["text.echo"]);
  expect((await client.callTool({ name: "text.echo", arguments: { text: "hi" } })).structuredContent).toEqual(
    {
      text: "hi",
    },
  );
});

test("a key that is presented is still verified: a bad one → 401", async () => {
  const error = await connectMcp(hub.url, "alk_nosuchkeyid_secret").catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StreamableHTTPError);
  expect((error as StreamableHTTPError).code).toBe(401);
  const key = await makeKey(hub.hub, { scopes: ["read"] });
  const keyed = await connectMcp(hub.url, key.key);
  clients.push(keyed);
  const denied = await keyed.client.callTool({
    name: "hub.call",
    arguments: { operation: "open.text.echo", input: { text: "x" } },
  });
  // A read-only key does not fall back to the anonymous scopes.
  expect(denied.structuredContent).toMatchObject({ code: "ACCESS_DENIED" });
});
