/**
 * A real third-party MCP client against the hub: the MCP Inspector CLI (`@modelcontextprotocol/inspector-cli`),
 * run as a child process, lists the tools of `/mcp` and calls hub.call, and lists and calls a tool on
 * `/mcp/spokes/<name>`.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import type { Spoke } from "../../src/sdk/index.ts";
import { type McpTestKey, makeKey, startSpoke } from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const ROOT = join(import.meta.dir, "..", "..");
const INSPECTOR_BIN = join(ROOT, "node_modules", ".bin", "mcp-inspector-cli");
/**
 * The CLI finds its own package.json by testing `../package.json` against the working directory but importing
 * it relative to its module: both agree only when it runs from its `build/` folder.
 */
const INSPECTOR_CWD = join(ROOT, "node_modules", "@modelcontextprotocol", "inspector-cli", "build");
const RUN_TIMEOUT_MS = 15_000;

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
});

/**
 * Runs the inspector in CLI mode (asynchronously: the hub lives in this process) and parses its JSON output.
 * Output shown on failure has the key masked.
 */
async function inspector(url: string, args: string[]): Promise<unknown> {
  const child = Bun.spawn(
    [
      process.execPath,
      INSPECTOR_BIN,
      "--cli",
      url,
      "--transport",
      "http",
      "--header",
      `Authorization: Bearer ${key.key}`,
      ...args,
    ],
    { cwd: INSPECTOR_CWD, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
  );
  const timer = setTimeout(() => child.kill(), RUN_TIMEOUT_MS);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  const mask = (text: string) => text.replaceAll(key.key, "<key>");
  if (code !== 0)
    throw new Error(`inspector exited ${code}: ${mask(stderr).slice(-2000)} ${mask(stdout).slice(-500)}`);
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`inspector printed no JSON: ${mask(stdout).slice(0, 1000)}`);
  }
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
  RUN_TIMEOUT_MS + 5000,
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
  RUN_TIMEOUT_MS + 5000,
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
  2 * RUN_TIMEOUT_MS + 5000,
);
