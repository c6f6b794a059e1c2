/**
 * The 2026-07-28 revision beside the handshake versions (docs/mcp.md › The 2026-07-28 revision), on one hub: a
 * 2025-11-25 SDK client and a 2026-07-28 stateless client use the same endpoint; log messages flow only to a
 * request that names a level, progress with a token; a listen stream is acknowledged and hears
 * `tools/list_changed` when the spoke re-registers; keys are checked as on every request.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import type { AnyOperationDef, Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { connectMcp, type McpTestKey, makeKey, postMcp, startSpoke } from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const VERSION = "2026-07-28";
let hub: TestHub;
let key: McpTestKey;
let spoke: Spoke;

const operations: Record<string, AnyOperationDef> = {
  "work.chatty": {
    type: "query",
    description: "Logs, reports progress, waits a little and answers",
    input: Type.Object({}),
    handler: async (_input, ctx) => {
      ctx.log("info", "starting");
      ctx.progress(1, 2);
      await new Promise((resolve) => setTimeout(resolve, 400));
      ctx.progress(2, 2);
      return { done: true };
    },
  },
};

/** The headers and `_meta` of a 2026-07-28 request. */
function request(method: string, params: Record<string, unknown>, meta: Record<string, unknown> = {}) {
  const headers: Record<string, string> = {
    authorization: `Bearer ${key.key}`,
    "mcp-protocol-version": VERSION,
    "mcp-method": method,
  };
  if (typeof params.name === "string") headers["mcp-name"] = params.name;
  const body = {
    jsonrpc: "2.0",
    id: 1,
    method,
    params: {
      ...params,
      _meta: {
        "io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientCapabilities": {},
        ...meta,
      },
    },
  };
  return { body, headers };
}

/** Every JSON-RPC message of an answer, JSON or event stream. */
async function messages(response: Response): Promise<Array<Record<string, unknown>>> {
  const text = await response.text();
  if (!response.headers.get("content-type")?.includes("text/event-stream")) return [JSON.parse(text)];
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)));
}

beforeAll(async () => {
  hub = await startTestHub();
  const spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["nx"] });
  key = await makeKey(hub.hub, { scopes: ["read", "call"] });
  spoke = await startSpoke(hub.url, spokeKey.key, { name: "nx", operations });
}, 30_000);

afterAll(async () => {
  await spoke?.close();
  await hub?.stop();
});

test("a 2025-11-25 SDK client and a 2026-07-28 client share the endpoint", async () => {
  const old = await connectMcp(hub.url, key.key, { path: "/mcp/spokes/nx" });
  try {
    expect(old.transport.protocolVersion).toBe("2025-11-25");
    const listed = await old.client.listTools();
    expect(listed.tools.map((tool) => tool.name)).toEqual(["work.chatty"]);
  } finally {
    await old.close();
  }
  const { body, headers } = request("server/discover", {});
  const discovered = (await messages(await postMcp(`${hub.url}/mcp/spokes/nx`, body, headers)))[0] as {
    result: { supportedVersions: string[]; capabilities: Record<string, unknown> };
  };
  expect(discovered.result.supportedVersions.slice(0, 2)).toEqual([VERSION, "2025-11-25"]);
  expect(discovered.result.capabilities.tools).toEqual({ listChanged: true });
});

test("log messages only with a requested level, progress only with a token", async () => {
  const quiet = request("tools/call", { name: "work.chatty", arguments: {} });
  const plain = await messages(await postMcp(`${hub.url}/mcp/spokes/nx`, quiet.body, quiet.headers));
  expect(plain.filter((m) => typeof m.method === "string")).toEqual([]);
  expect(plain.at(-1)?.result).toMatchObject({ resultType: "complete" });

  const chatty = request(
    "tools/call",
    { name: "work.chatty", arguments: {} },
    { "io.modelcontextprotocol/logLevel": "info", progressToken: "p1" },
  );
  const all = await messages(await postMcp(`${hub.url}/mcp/spokes/nx`, chatty.body, chatty.headers));
  const methods = all.map((m) => m.method).filter(Boolean);
  expect(methods).toContain("notifications/message");
  expect(methods.filter((m) => m === "notifications/progress")).toHaveLength(2);
  expect(all.at(-1)?.result).toMatchObject({ structuredContent: { done: true } });
});

test("a listen stream is acknowledged and hears tools/list_changed when the spoke re-registers", async () => {
  const { body, headers } = request("subscriptions/listen", { notifications: { toolsListChanged: true } });
  const controller = new AbortController();
  const response = await postMcp(`${hub.url}/mcp/spokes/nx`, body, headers, controller.signal);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let seen = "";
  const readUntil = async (needle: string) => {
    while (!seen.includes(needle)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before ${needle}`);
      seen += decoder.decode(value, { stream: true });
    }
  };
  await readUntil("notifications/subscriptions/acknowledged");
  expect(seen).toContain('"toolsListChanged":true');
  await spoke.setOperations({ ...operations, "work.other": operations["work.chatty"] as AnyOperationDef });
  await readUntil("notifications/tools/list_changed");
  expect(seen).toContain('"io.modelcontextprotocol/subscriptionId":1');
  controller.abort();
  await reader.cancel().catch(() => {});
}, 30_000);

test("without a key the 2026-07-28 wire is refused like the old one; an unknown spoke is 404", async () => {
  const { body, headers } = request("tools/list", {});
  const { authorization: _, ...noKey } = headers;
  expect((await postMcp(`${hub.url}/mcp/spokes/nx`, body, noKey)).status).toBe(401);
  expect((await postMcp(`${hub.url}/mcp/spokes/nobody`, body, headers)).status).toBe(404);
  await eventually(async () => {
    const listed = (await messages(await postMcp(`${hub.url}/mcp/spokes/nx`, body, headers)))[0] as {
      result: { tools: Array<{ name: string }>; cacheScope: string; ttlMs: number };
    };
    expect(listed.result.cacheScope).toBe("private");
    expect(listed.result.ttlMs).toBe(0);
    expect(listed.result.tools.map((tool) => tool.name)).toContain("work.other");
  });
});
