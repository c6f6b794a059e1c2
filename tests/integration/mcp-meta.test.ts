/**
 * `/mcp` through the SDK's own Client over real HTTP: initialize, the four meta-tools and their schemas, ping,
 * logging/setLevel, hub.list paging, hub.search ranking, hub.schema, hub.call results and errors, and what a
 * key may see (operation globs, private spokes).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { HubCallInput, HubListInput, HubSchemaInput, HubSearchInput } from "../../src/protocol/index.ts";
import type { Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import {
  connectMcp,
  type McpConnection,
  type McpTestKey,
  makeKey,
  startSpoke,
  textJson,
} from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

let hub: TestHub;
const spokes: Spoke[] = [];
const clients: McpConnection[] = [];
let callKey: McpTestKey;

const TextIn = Type.Object({ text: Type.String() });

beforeAll(async () => {
  hub = await startTestHub();
  const spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["*"] });
  // Registered once, then gone: it stays in the catalog as an offline spoke.
  const stale = await startSpoke(hub.url, spokeKey.key, {
    name: "stale",
    operations: {
      "echo.run": { type: "query", description: "An old echo", input: TextIn, handler: (i) => i },
    },
  });
  await stale.close();
  spokes.push(
    await startSpoke(hub.url, spokeKey.key, {
      name: "alpha",
      operations: {
        "text.echo": {
          type: "query",
          title: "Echo text",
          description: "Returns the text it is given",
          tags: ["text"],
          input: TextIn,
          output: TextIn,
          annotations: { readOnly: true },
          handler: ({ text }: { text: string }) => ({ text }),
        },
        "misc.repeat": {
          type: "query",
          description: "Says it again, like an echo",
          input: TextIn,
          handler: ({ text }: { text: string }) => ({ text: `${text} ${text}` }),
        },
        "math.add": {
          type: "query",
          description: "Adds two numbers",
          input: Type.Object({ a: Type.Number(), b: Type.Number() }),
          handler: ({ a, b }: { a: number; b: number }) => a + b,
        },
      },
    }),
    await startSpoke(hub.url, spokeKey.key, {
      name: "beta",
      operations: {
        "text.upper": {
          type: "query",
          description: "Upper-cases text",
          input: TextIn,
          handler: ({ text }: { text: string }) => ({ text: text.toUpperCase() }),
        },
      },
    }),
    await startSpoke(hub.url, spokeKey.key, {
      name: "secret",
      visibility: "owner",
      operations: {
        "vault.peek": {
          type: "query",
          description: "Private to its account",
          input: Type.Object({}),
          handler: () => ({ ok: true }),
        },
      },
    }),
  );
  callKey = await makeKey(hub.hub, { scopes: ["call"] });
}, 30_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  for (const spoke of spokes) await spoke.close();
  await hub?.stop();
});

async function connect(key: string): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, key);
  clients.push(connection);
  return connection;
}

type ListOutput = {
  operations: Array<{ name: string; spoke: { name: string; live: boolean } }>;
  nextCursor?: string;
};

async function call(connection: McpConnection, name: string, args: Record<string, unknown>) {
  return connection.client.callTool({ name, arguments: args });
}

test("initialize returns a session id; tools/list shows exactly the four meta-tools with their schemas", async () => {
  const { client, sessionId } = await connect(callKey.key);
  expect(sessionId).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  expect(client.getServerVersion()?.name).toBe("alkhub");
  expect(client.getServerCapabilities()?.tools).toBeDefined();
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name)).toEqual(["hub.list", "hub.search", "hub.schema", "hub.call"]);
  const plain = (schema: unknown) => JSON.parse(JSON.stringify(schema));
  const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
  expect(byName["hub.list"]!.inputSchema).toEqual(plain(HubListInput));
  expect(byName["hub.search"]!.inputSchema).toEqual(plain(HubSearchInput));
  expect(byName["hub.schema"]!.inputSchema).toEqual(plain(HubSchemaInput));
  expect(byName["hub.call"]!.inputSchema).toEqual(plain(HubCallInput));
  for (const tool of tools) {
    // Written for a model: two sentences, the second saying when to use it.
    expect(tool.description?.split(/\.\s/).length).toBeGreaterThanOrEqual(2);
    expect(tool.description).toMatch(/Use it|Use hub\./);
  }
});

test("ping and logging/setLevel answer", async () => {
  const { client } = await connect(callKey.key);
  expect(await client.ping()).toEqual({});
  expect(await client.setLoggingLevel("warning")).toEqual({});
});

test("hub.list pages with a cursor through everything the key may see, and filters by namespace", async () => {
  const { client } = await connect(callKey.key);
  const names: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const result = await call({ client } as McpConnection, "hub.list", {
      limit: 2,
      ...(cursor ? { cursor } : {}),
    });
    expect(result.isError).toBeFalsy();
    const page = result.structuredContent as ListOutput;
    expect(textJson(result)).toEqual(page);
    expect(page.operations.length).toBeLessThanOrEqual(2);
    names.push(...page.operations.map((op) => op.name));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 10);
  expect(names).toEqual([
    "alpha.math.add",
    "alpha.misc.repeat",
    "alpha.text.echo",
    "beta.text.upper",
    "secret.vault.peek",
    "stale.echo.run",
  ]);
  expect(pages).toBe(3);
  const alpha = (await call({ client } as McpConnection, "hub.list", { namespace: "alpha" }))
    .structuredContent as ListOutput;
  expect(alpha.operations.map((op) => op.name)).toEqual([
    "alpha.math.add",
    "alpha.misc.repeat",
    "alpha.text.echo",
  ]);
  expect(alpha.nextCursor).toBeUndefined();
  expect(alpha.operations[0]!.spoke).toEqual({ name: "alpha", live: true });
});

test("hub.search ranks name matches first and live spokes before offline ones", async () => {
  const connection = await connect(callKey.key);
  const result = await call(connection, "hub.search", { query: "echo" });
  const found = (result.structuredContent as ListOutput).operations;
  // alpha.text.echo matches by name, alpha.misc.repeat only by description, stale.echo.run by name but offline.
  expect(found.map((op) => op.name)).toEqual(["alpha.text.echo", "alpha.misc.repeat", "stale.echo.run"]);
  expect(found.map((op) => op.spoke.live)).toEqual([true, true, false]);
  const limited = await call(connection, "hub.search", { query: "text", namespace: "beta", limit: 5 });
  expect((limited.structuredContent as ListOutput).operations.map((op) => op.name)).toEqual([
    "beta.text.upper",
  ]);
});

test("hub.schema returns the full spec with schemas, annotations and spoke", async () => {
  const connection = await connect(callKey.key);
  const result = await call(connection, "hub.schema", { operation: "alpha.text.echo" });
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toMatchObject({
    name: "alpha.text.echo",
    type: "query",
    title: "Echo text",
    description: "Returns the text it is given",
    tags: ["text"],
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    outputSchema: { type: "object", properties: { text: { type: "string" } } },
    annotations: { readOnly: true },
    spoke: { name: "alpha", live: true },
  });
  const missing = await call(connection, "hub.schema", { operation: "alpha.nope" });
  expect(missing.isError).toBe(true);
  expect(missing.structuredContent).toMatchObject({ code: "OPERATION_NOT_FOUND" });
});

test("hub.call returns structuredContent plus the same JSON as a text block", async () => {
  const connection = await connect(callKey.key);
  const result = await call(connection, "hub.call", { operation: "alpha.text.echo", input: { text: "hi" } });
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toEqual({ text: "hi" });
  expect(textJson(result)).toEqual({ text: "hi" });
  // A non-object output is wrapped for structuredContent; the text block keeps it as it is.
  const sum = await call(connection, "hub.call", { operation: "alpha.math.add", input: { a: 2, b: 3 } });
  expect(sum.structuredContent).toEqual({ result: 5 });
  expect(textJson(sum)).toBe(5);
});

test("hub.call errors are isError results with { code, message }", async () => {
  const connection = await connect(callKey.key);
  const unknown = await call(connection, "hub.call", { operation: "alpha.no.such", input: {} });
  expect(unknown.isError).toBe(true);
  expect(unknown.structuredContent).toEqual({
    code: "OPERATION_NOT_FOUND",
    message: expect.stringContaining("alpha.no.such"),
  });
  expect(textJson(unknown)).toEqual(unknown.structuredContent);

  const invalid = await call(connection, "hub.call", {
    operation: "alpha.math.add",
    input: { a: 1, b: "x" },
  });
  expect(invalid.isError).toBe(true);
  expect(invalid.structuredContent).toMatchObject({ code: "VALIDATION_ERROR" });
  expect((invalid.structuredContent as { message: string }).message).toContain("b");

  const badMeta = await call(connection, "hub.call", { input: {} });
  expect(badMeta.isError).toBe(true);
  expect((badMeta.structuredContent as { message: string }).message).toContain("operation");

  const offline = await call(connection, "hub.call", { operation: "stale.echo.run", input: { text: "x" } });
  expect(offline.structuredContent).toMatchObject({ code: "SPOKE_UNAVAILABLE" });
});

test("a key without call gets ACCESS_DENIED; outside its operation globs an operation is not found", async () => {
  const readOnly = await connect((await makeKey(hub.hub, { scopes: ["read"] })).key);
  const listed = await call(readOnly, "hub.list", {});
  expect(listed.isError).toBeFalsy();
  const denied = await call(readOnly, "hub.call", { operation: "alpha.text.echo", input: { text: "x" } });
  expect(denied.isError).toBe(true);
  expect(denied.structuredContent).toMatchObject({ code: "ACCESS_DENIED" });

  const alphaOnly = await connect(
    (await makeKey(hub.hub, { scopes: ["call"], operations: ["alpha.*"] })).key,
  );
  const outside = await call(alphaOnly, "hub.call", { operation: "beta.text.upper", input: { text: "x" } });
  expect(outside.structuredContent).toMatchObject({ code: "OPERATION_NOT_FOUND" });
  const inside = await call(alphaOnly, "hub.call", { operation: "alpha.text.echo", input: { text: "ok" } });
  expect(inside.structuredContent).toEqual({ text: "ok" });
});

test("listings are filtered to what the key may see", async () => {
  const alphaOnly = await connect(
    (await makeKey(hub.hub, { scopes: ["call"], operations: ["alpha.*"] })).key,
  );
  const listed = (await call(alphaOnly, "hub.list", {})).structuredContent as ListOutput;
  expect(listed.operations.map((op) => op.name)).toEqual([
    "alpha.math.add",
    "alpha.misc.repeat",
    "alpha.text.echo",
  ]);
  const searched = (await call(alphaOnly, "hub.search", { query: "text" })).structuredContent as ListOutput;
  expect(searched.operations.every((op) => op.name.startsWith("alpha."))).toBe(true);
  expect(searched.operations.length).toBeGreaterThan(0);
  const schema = await call(alphaOnly, "hub.schema", { operation: "beta.text.upper" });
  expect(schema.structuredContent).toMatchObject({ code: "OPERATION_NOT_FOUND" });

  // The private spoke: visible to its own account, hidden (not even "denied") from another account.
  const owner = (await call(await connect(callKey.key), "hub.list", { namespace: "secret" }))
    .structuredContent as ListOutput;
  expect(owner.operations.map((op) => op.name)).toEqual(["secret.vault.peek"]);
  const stranger = await connect(
    (await makeKey(hub.hub, { scopes: ["read", "call"], account: "other" })).key,
  );
  const hidden = (await call(stranger, "hub.list", {})).structuredContent as ListOutput;
  expect(hidden.operations.map((op) => op.name)).not.toContain("secret.vault.peek");
  expect(hidden.operations.length).toBeGreaterThan(0);
  const hiddenSearch = (await call(stranger, "hub.search", { query: "vault" }))
    .structuredContent as ListOutput;
  expect(hiddenSearch.operations).toEqual([]);
  const hiddenCall = await call(stranger, "hub.call", { operation: "secret.vault.peek", input: {} });
  expect(hiddenCall.structuredContent).toMatchObject({ code: "OPERATION_NOT_FOUND" });
  await eventually(async () => {
    const ownCall = await call(await connect(callKey.key), "hub.call", {
      operation: "secret.vault.peek",
      input: {},
    });
    return (ownCall.structuredContent as { ok?: boolean }).ok === true;
  });
});

test("an unknown tool name is a JSON-RPC error, not a result", async () => {
  const { client } = await connect(callKey.key);
  const error = await client.callTool({ name: "hub.nope", arguments: {} }).catch((caught: unknown) => caught);
  expect(String(error)).toContain("hub.nope");
});
