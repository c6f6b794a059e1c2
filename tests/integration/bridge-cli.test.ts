/**
 * `alkhub bridge` as a process: a bridge.json with two servers (one process, one hub connection each), the key
 * and the child's environment read from files (never on argv or in the bridge's environment), tool names mapped,
 * a schema the hub refuses left out with a message naming the tool, and a child that never initializes reported
 * with its stderr tail.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { Subprocess } from "bun";
import { eventually } from "../support/eventually.ts";
import { connectMcp, type McpConnection, type McpTestKey, makeKey, wsUrl } from "../support/mcp-client.ts";
import { EVERYTHING_JS, NODE } from "../support/mcp-servers.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const ROOT = join(import.meta.dir, "..", "..");
const MAIN = join(ROOT, "src/main.ts");
const ODD = join(ROOT, "tests/support/odd-tools-server.ts");

let hub: TestHub;
let dir: string;
let spokeKey: McpTestKey;
let callKey: McpTestKey;
const processes: Subprocess[] = [];
const clients: McpConnection[] = [];

interface Bridge {
  child: Subprocess<"ignore", "pipe", "pipe">;
  lines: string[];
}

function runBridge(args: string[]): Bridge {
  const child = Bun.spawn([process.execPath, MAIN, "bridge", ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  processes.push(child);
  const lines: string[] = [];
  void (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of child.stderr) {
      const parts = (rest + decoder.decode(chunk)).split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
    }
  })();
  return { child, lines };
}

async function hubCall(operation: string, input: unknown, options?: RequestOptions) {
  const connection = await connectMcp(hub.url, callKey.key);
  clients.push(connection);
  return connection.client.callTool(
    { name: "hub.call", arguments: { operation, input } },
    undefined,
    options,
  );
}

beforeAll(async () => {
  hub = await startTestHub();
  spokeKey = await makeKey(hub.hub, { scopes: ["spoke"], spokeNames: ["odd", "ev2", "broken"] });
  callKey = await makeKey(hub.hub, { scopes: ["call", "read"] });
  dir = await mkdtemp(join(tmpdir(), "alkhub-bridge-cli-"));
  await writeFile(join(dir, "bridge.key"), `${spokeKey.key}\n`, { mode: 0o600 });
  await writeFile(join(dir, "odd.env"), "# the child's environment\nBRIDGE_TEST_VALUE=from-env-file\n", {
    mode: 0o600,
  });
  await writeFile(
    join(dir, "bridge.json"),
    JSON.stringify({
      hub: { url: wsUrl(hub.url), keyFile: "bridge.key" },
      servers: {
        odd: { command: process.execPath, args: [ODD], envFile: "odd.env" },
        ev2: { command: NODE, args: [EVERYTHING_JS, "stdio"] },
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  for (const child of processes) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await child.exited;
    clearTimeout(timer);
  }
  await hub?.stop();
  await rm(dir, { recursive: true, force: true });
}, 30_000);

test("one bridge process serves every server of bridge.json, each as its own spoke", async () => {
  const bridge = runBridge(["--config", "bridge.json"]);
  await eventually(
    () =>
      hub.hub.subsystems.catalog.spoke("odd")?.live === true &&
      hub.hub.subsystems.catalog.spoke("ev2")?.live === true,
    { timeoutMs: 60_000, what: "both spokes live" },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; the bridge wrote:\n${bridge.lines.slice(-20).join("\n")}`);
  });
  const echo = await hubCall("ev2.echo", { message: "from the config file" });
  expect(JSON.stringify(echo.content)).toContain("from the config file");

  // A tool name that is not an operation name is encoded, and the call reaches the right tool.
  const renamed = await hubCall("odd.x_fs_2fread_20file", {});
  expect(JSON.stringify(renamed.content)).toContain("called fs/read file");

  // The schema the hub cannot compile is refused with a message naming the tool; the others are offered.
  expect(hub.hub.subsystems.catalog.operation("odd.bad-schema")).toBeUndefined();
  expect(hub.hub.subsystems.catalog.operation("odd.env")).toBeDefined();
  await eventually(
    () =>
      bridge.lines.some(
        (line) => line.includes("the hub refused it") && line.includes('"tool":"bad-schema"'),
      ),
    { timeoutMs: 10_000, what: "the refusal naming bad-schema" },
  );

  // The server is asked for progress only when the caller asked for it.
  const quiet = await hubCall("odd.progress-token", {});
  expect(JSON.stringify(quiet.content)).toContain("no progressToken");
  const asked = await hubCall("odd.progress-token", {}, { onprogress: () => {} });
  expect(JSON.stringify(asked.content)).toContain("progressToken present");

  // The child's environment comes from --env-file (plus the safe defaults), never the bridge's key.
  const env = await hubCall("odd.env", {});
  const reported = JSON.parse((env.content as { text: string }[])[0]?.text ?? "{}") as {
    value: string;
    keys: string[];
  };
  expect(reported.value).toBe("from-env-file");
  expect(reported.keys.some((key) => key.startsWith("ALKHUB"))).toBe(false);

  // Nothing secret on the bridge's command line or in its environment.
  const pid = bridge.child.pid;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
  const environ = await readFile(`/proc/${pid}/environ`, "utf8");
  expect(cmdline.includes(spokeKey.key)).toBe(false);
  expect(environ.includes(spokeKey.key)).toBe(false);
  expect(bridge.lines.join("\n").includes(spokeKey.key)).toBe(false);
}, 90_000);

test("a child that never initializes is a clear error with its stderr tail", async () => {
  const bridge = runBridge([
    "--url",
    wsUrl(hub.url),
    "--key-file",
    join(dir, "bridge.key"),
    "--name",
    "broken",
    "--initialize-timeout",
    "3000",
    "--",
    process.execPath,
    ODD,
    "--never-init",
  ]);
  // The first attempts may time out before a busy machine has even started the child: wait for one with its tail.
  const line = await eventually(
    () =>
      bridge.lines.find((l) => l.includes("did not initialize") && l.includes("its stderr ended with")) ??
      false,
    { timeoutMs: 40_000, what: "the initialize error with the stderr tail" },
  );
  expect(line).toContain('MCP server \\"broken\\"');
  expect(line).toContain("fatal: the database at /nowhere cannot be opened");
  expect(hub.hub.subsystems.catalog.spoke("broken")?.live ?? false).toBe(false);
}, 60_000);

test("bad usage is refused with a message naming the problem", async () => {
  const bridge = runBridge(["--url", wsUrl(hub.url), "--key-file", "bridge.key", "--name", "x"]);
  expect(await bridge.child.exited).toBe(64);
  await eventually(() => bridge.lines.some((l) => l.includes("either a command after -- or --upstream")), {
    timeoutMs: 5000,
  });
}, 60_000);
