/**
 * A real third-party MCP client against the hub: the MCP Inspector CLI (`@modelcontextprotocol/inspector-cli`),
 * run as a child process, lists the tools of `/mcp` and calls hub.call, and lists and calls a tool on
 * `/mcp/spokes/<name>`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import type { Spoke } from "../../src/sdk/index.ts";
import { INSPECTOR_TIMEOUT_MS, runInspector } from "../support/inspector.ts";
import { type McpTestKey, makeKey, startSpoke } from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

let hub: TestHub;
let spoke: Spoke;
let key: McpTestKey;

beforeAll(async () => {
  hub = await startTestHub();
  const spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["tools"] });
  spoke = await startSpoke(hub.url, spokeKey.key, {
    name: "tools",
    operations: {
      "math.add": {
        type: "query",
        title: "Add",
        description: "Adds two numbers",
        input: Type.Object({ a: Type.Number(), b: Type.Number() }),
        output: Type.Object({ sum: Type.Number() }),
        handler: ({ a, b }: { a: number; b: number }) => ({ sum: a + b }),
      },
    },
  });
  key = await makeKey(hub.hub, { scopes: ["call"] });
}, 30_000);

afterAll(async () => {
  await spoke?.close();
  await hub?.stop();
}, 30_000);

function inspector(url: string, args: string[]): Promise<unknown> {
  return runInspector(url, key.key, args);
}

test(
  "the Inspector CLI lists the four meta-tools of /mcp",
  async () => {
    const result = (await inspector(`${hub.url}/mcp`, ["--method", "tools/list"])) as {
      tools: Array<{ name: string; inputSchema: { properties: Record<string, unknown> } }>;
    };
    expect(result.tools.map((tool) => tool.name)).toEqual([
      "hub.list",
      "hub.search",
      "hub.schema",
      "hub.call",
    ]);
    const call = result.tools.find((tool) => tool.name === "hub.call")!;
    expect(Object.keys(call.inputSchema.properties)).toEqual(["operation", "input", "timeoutMs"]);
  },
  INSPECTOR_TIMEOUT_MS + 5000,
);

test(
  "the Inspector CLI calls an operation through hub.call",
  async () => {
    const result = (await inspector(`${hub.url}/mcp`, [
      "--method",
      "tools/call",
      "--tool-name",
      "hub.call",
      "--tool-arg",
      "operation=tools.math.add",
      'input={"a":2,"b":40}',
    ])) as { structuredContent?: unknown; content: Array<{ type: string; text: string }>; isError?: boolean };
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ sum: 42 });
    expect(JSON.parse(result.content[0]!.text)).toEqual({ sum: 42 });
  },
  INSPECTOR_TIMEOUT_MS + 5000,
);

test(
  "the Inspector CLI lists and calls a spoke's tools on /mcp/spokes/<name>",
  async () => {
    const url = `${hub.url}/mcp/spokes/tools`;
    const listed = (await inspector(url, ["--method", "tools/list"])) as {
      tools: Array<{ name: string; title?: string }>;
    };
    expect(listed.tools.map((tool) => [tool.name, tool.title])).toEqual([["math.add", "Add"]]);
    const called = (await inspector(url, [
      "--method",
      "tools/call",
      "--tool-name",
      "math.add",
      "--tool-arg",
      "a=1",
      "b=2",
    ])) as { structuredContent?: unknown };
    expect(called.structuredContent).toEqual({ sum: 3 });
  },
  2 * INSPECTOR_TIMEOUT_MS + 5000,
);
