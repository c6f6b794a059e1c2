/**
 * Three real MCP clients on a per-spoke endpoint (`/mcp/spokes/lc`), as users run them: the TypeScript SDK's
 * `Client`, the MCP Inspector CLI and the Python `mcp` package (in the venv of scripts/python-mcp-venv.sh, which
 * .ci/run creates; made here when missing). Each checks the results against the tools' declared output
 * schemas itself, so a result that contradicts its schema fails the client, not only an assertion. Covered:
 * output schemas, error results, subscriptions (advertised as `{ items, truncated }`), progress, cancellation,
 * unknown tools.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { HubError, type Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { INSPECTOR_TIMEOUT_MS, runInspector } from "../support/inspector.ts";
import {
  connectMcp,
  type McpConnection,
  type McpTestKey,
  makeKey,
  startSpoke,
  textJson,
} from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const ROOT = join(import.meta.dir, "..", "..");
const VENV_PYTHON = join(ROOT, ".venv-mcp", "bin", "python");
const PYTHON_CHECK = join(ROOT, "tests", "support", "python", "mcp_client_check.py");

let hub: TestHub;
let spoke: Spoke;
let key: McpTestKey;
const clients: McpConnection[] = [];
let slowAborted = 0;

beforeAll(async () => {
  hub = await startTestHub();
  const spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["lc"] });
  spoke = await startSpoke(hub.url, spokeKey.key, {
    name: "lc",
    operations: {
      "math.add": {
        type: "query",
        description: "Adds two numbers; refuses negative ones",
        input: Type.Object({ a: Type.Number(), b: Type.Number() }),
        output: Type.Object({ sum: Type.Number() }, { required: ["sum"] }),
        handler: ({ a, b }: { a: number; b: number }) => {
          if (a < 0 || b < 0) throw new HubError("NEGATIVE", "negative numbers are refused");
          return { sum: a + b };
        },
      },
      ticks: {
        type: "subscription",
        description: "Yields { n } for n = 1..count",
        input: Type.Object({ count: Type.Integer({ minimum: 1, maximum: 100 }) }),
        output: Type.Object({ n: Type.Integer() }),
        async *handler({ count }: { count: number }) {
          for (let n = 1; n <= count; n++) yield { n };
        },
      },
      slow: {
        type: "query",
        description: "Reports progress, then waits until aborted or ms pass",
        input: Type.Object({ ms: Type.Integer() }),
        output: Type.Object({ waited: Type.Integer() }),
        handler: async ({ ms }: { ms: number }, ctx) => {
          ctx.progress(1, 2);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, ms);
            ctx.signal.addEventListener("abort", () => {
              clearTimeout(timer);
              slowAborted++;
              resolve();
            });
          });
          return { waited: ms };
        },
      },
    },
  });
  key = await makeKey(hub.hub, { scopes: ["call"] });
  // Made by .ci/run; a checkout that has not run it yet gets it here (about a minute, once).
  if (!existsSync(VENV_PYTHON)) {
    const made = Bun.spawn(["bash", join(ROOT, "scripts", "python-mcp-venv.sh")], {
      stdout: "inherit",
      stderr: "inherit",
    });
    expect(await made.exited).toBe(0);
  }
}, 300_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await spoke?.close();
  await hub?.stop();
}, 30_000);

const spokeUrl = () => `${hub.url}/mcp/spokes/lc`;

async function sdkClient(): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, key.key, { path: "/mcp/spokes/lc" });
  clients.push(connection);
  return connection;
}

test("SDK client: results pass its own outputSchema check; errors are isError with the code in text and _meta", async () => {
  const { client } = await sdkClient();
  const { tools } = await client.listTools();
  expect(tools.map((tool) => tool.name)).toEqual(["math.add", "slow", "ticks"]);
  expect(tools.find((tool) => tool.name === "ticks")!.outputSchema).toEqual({
    type: "object",
    properties: {
      items: { type: "array", items: expect.objectContaining({ type: "object" }) },
      truncated: { type: "boolean" },
    },
    required: ["items", "truncated"],
  });
  // The SDK client validates structuredContent against the listed outputSchema and throws on a mismatch.
  expect((await client.callTool({ name: "math.add", arguments: { a: 2, b: 40 } })).structuredContent).toEqual(
    {
      sum: 42,
    },
  );
  const failed = await client.callTool({ name: "math.add", arguments: { a: -1, b: 1 } });
  expect(failed.isError).toBe(true);
  expect(failed.structuredContent).toBeUndefined();
  expect(textJson(failed)).toEqual({ code: "NEGATIVE", message: "negative numbers are refused" });
  expect(failed._meta).toEqual({
    "alkhub/error": { code: "NEGATIVE", message: "negative numbers are refused" },
  });
  await expect(client.callTool({ name: "math.nope", arguments: {} })).rejects.toMatchObject({
    code: -32602,
    message: 'MCP error -32602: unknown tool "math.nope"',
  });
});

test("SDK client: a subscription returns { items, truncated } with one progress notification per item", async () => {
  const { client } = await sdkClient();
  const progress: number[] = [];
  const result = await client.callTool({ name: "ticks", arguments: { count: 3 } }, undefined, {
    onprogress: (p) => progress.push(p.progress),
  });
  expect(result.structuredContent).toEqual({ items: [{ n: 1 }, { n: 2 }, { n: 3 }], truncated: false });
  expect(progress).toEqual([1, 2, 3]);
});

test("SDK client: cancelling a call aborts it at the spoke; the session goes on", async () => {
  const { client } = await sdkClient();
  const before = slowAborted;
  const controller = new AbortController();
  const call = client.callTool({ name: "slow", arguments: { ms: 20_000 } }, undefined, {
    signal: controller.signal,
    onprogress: () => controller.abort("enough"),
  });
  await expect(call).rejects.toBeDefined();
  await eventually(() => slowAborted > before, { what: "the spoke's handler aborted" });
  expect((await client.callTool({ name: "math.add", arguments: { a: 1, b: 1 } })).structuredContent).toEqual({
    sum: 2,
  });
});

test(
  "Inspector CLI: a tool with an output schema, its error, and a subscription",
  async () => {
    const inspector = (args: string[]) =>
      runInspector(spokeUrl(), key.key, ["--method", "tools/call", ...args]);
    const ok = (await inspector(["--tool-name", "math.add", "--tool-arg", "a=2", "b=40"])) as {
      structuredContent?: unknown;
    };
    expect(ok.structuredContent).toEqual({ sum: 42 });
    const failed = (await inspector(["--tool-name", "math.add", "--tool-arg", "a=-1", "b=1"])) as {
      isError?: boolean;
      structuredContent?: unknown;
      content: Array<{ text: string }>;
    };
    expect(failed.isError).toBe(true);
    expect(failed.structuredContent).toBeUndefined();
    expect(JSON.parse(failed.content[0]!.text)).toMatchObject({ code: "NEGATIVE" });
    const ticks = (await inspector(["--tool-name", "ticks", "--tool-arg", "count=2"])) as {
      structuredContent?: unknown;
    };
    expect(ticks.structuredContent).toEqual({ items: [{ n: 1 }, { n: 2 }], truncated: false });
  },
  3 * INSPECTOR_TIMEOUT_MS + 5000,
);

test("Python client: output schemas, errors, unknown tools, subscriptions, progress and cancellation", async () => {
  const before = slowAborted;
  const child = Bun.spawn([VENV_PYTHON, PYTHON_CHECK, spokeUrl()], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ALKHUB_TEST_KEY: key.key },
  });
  const timer = setTimeout(() => child.kill(), 60_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  if (code !== 0)
    throw new Error(`python client exited ${code}: ${stderr.replaceAll(key.key, "<key>").slice(-3000)}`);
  const seen = JSON.parse(stdout);
  expect(seen.tools).toEqual(["math.add", "slow", "ticks"]);
  expect(seen.add.structuredContent).toEqual({ sum: 42 });
  expect(seen.addError.isError).toBe(true);
  expect(seen.addError.structuredContent).toBeUndefined();
  expect(seen.addError._meta["alkhub/error"]).toEqual({
    code: "NEGATIVE",
    message: "negative numbers are refused",
  });
  expect(seen.unknown.code).toBe(-32602);
  expect(seen.ticks.structuredContent).toEqual({ items: [{ n: 1 }, { n: 2 }, { n: 3 }], truncated: false });
  expect(seen.ticksProgress).toEqual([1, 2, 3]);
  expect(seen.afterCancel.structuredContent).toEqual({ sum: 2 });
  await eventually(() => slowAborted > before, {
    what: "the Python client's cancellation reached the spoke",
  });
}, 90_000);
