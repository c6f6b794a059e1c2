// alkhub-test: once
/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in package.json) against a
 * running hub: the server scenarios that apply to a gateway on `/mcp`, and the tools-call scenarios on
 * `/mcp/spokes/conformance`, served by the conformance example spoke. The suite sends no credentials, so this
 * hub enables the documented, off-by-default `mcp.anonymous` access (read + call only).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { conformanceOperations } from "../../examples/conformance/operations.ts";
import { createApiKey } from "../../src/auth/index.ts";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { freePort } from "../support/binary.ts";
import { describeWithServices } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const SUITE = join(
  import.meta.dir,
  "..",
  "..",
  "node_modules",
  "@modelcontextprotocol",
  "conformance",
  "dist",
  "index.js",
);
const HUB_SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "logging-set-level",
  "dns-rebinding-protection",
  "server-sse-polling",
  "server-sse-multiple-streams",
];
const TOOL_SCENARIOS = [
  "tools-call-simple-text",
  "tools-call-image",
  "tools-call-audio",
  "tools-call-embedded-resource",
  "tools-call-mixed-content",
  "tools-call-with-logging",
  "tools-call-error",
  "tools-call-with-progress",
];

/** Runs one scenario (asynchronously: a blocking spawn would stall the in-process hub). */
async function runScenario(url: string, scenario: string): Promise<{ exitCode: number; output: string }> {
  const proc = Bun.spawn([process.execPath, SUITE, "server", "--url", url, "--scenario", scenario], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { exitCode, output: stdout + stderr };
}

describeWithServices("MCP conformance suite", () => {
  let testHub: TestHub;
  let spoke: Spoke;

  beforeAll(async () => {
    const port = await freePort();
    testHub = await startTestHub({
      extra: {
        server: { host: "127.0.0.1", port },
        mcp: { anonymous: { enabled: true, scopes: ["read", "call"] } },
      },
    });
    const { key } = await createApiKey(testHub.hub.store, {
      account: "conformance",
      name: "conformance spoke",
      scopes: ["spoke"],
      spokeNames: ["conformance"],
    });
    spoke = await connectSpoke({
      url: `${testHub.url.replace("http", "ws")}/ws`,
      token: key,
      name: "conformance",
      operations: conformanceOperations,
    });
  }, 60_000);

  afterAll(async () => {
    await spoke?.close();
    await testHub?.stop();
  });

  for (const scenario of HUB_SCENARIOS) {
    test(`${scenario} on /mcp`, async () => {
      const { exitCode, output } = await runScenario(`${testHub.url}/mcp`, scenario);
      expect(output).toMatch(/Passed: \d+\/\d+, 0 failed/);
      expect(exitCode).toBe(0);
    }, 60_000);
  }

  for (const scenario of TOOL_SCENARIOS) {
    test(`${scenario} on /mcp/spokes/conformance`, async () => {
      const { exitCode, output } = await runScenario(`${testHub.url}/mcp/spokes/conformance`, scenario);
      expect(output).toMatch(/Passed: [1-9]\d*\/\d+, 0 failed/);
      expect(exitCode).toBe(0);
    }, 60_000);
  }
});
