// alkhub-test: once
/**
 * The official MCP conformance suite against a running hub, in both pinned versions: 0.1.16
 * (`@modelcontextprotocol/conformance`) and 0.2.0-alpha.12 (`@modelcontextprotocol/conformance-next`, an npm
 * alias of the same package), on `/mcp` and on `/mcp/spokes/conformance` (served by the conformance example
 * spoke). Every scenario listed here must pass with no failed check: a regression fails CI. The table of
 * scenarios, and why the rest do not apply to a gateway, is in docs/mcp.md › Conformance. The suite sends no
 * credentials, so this hub enables the documented, off-by-default `mcp.anonymous` access (read + call only).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { conformanceOperationsWithTrigger } from "../../examples/conformance/operations.ts";
import { createApiKey } from "../../src/auth/index.ts";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { freePort } from "../support/binary.ts";
import { describeWithServices } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const suitePath = (pkg: string) =>
  join(import.meta.dir, "..", "..", "node_modules", "@modelcontextprotocol", pkg, "dist", "index.js");
const SUITES = {
  "0.1.16": suitePath("conformance"),
  "0.2.0-alpha.12": suitePath("conformance-next"),
} as const;
type SuiteVersion = keyof typeof SUITES;

/** Scenarios about the server as a whole: run on /mcp and on the spoke endpoint. */
const SERVER_SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "logging-set-level",
  "dns-rebinding-protection",
  "server-sse-multiple-streams",
];
/** Scenarios that call the conformance spoke's tools: run on the spoke endpoint. */
const TOOL_SCENARIOS = [
  "tools-call-simple-text",
  "tools-call-image",
  "tools-call-audio",
  "tools-call-embedded-resource",
  "tools-call-mixed-content",
  "tools-call-with-logging",
  "tools-call-error",
  "tools-call-with-progress",
  "json-schema-2020-12",
  "server-sse-polling",
];
/** Scenarios only the newer suite has. */
const NEXT_SERVER_SCENARIOS = ["server-session-lifecycle"];

/**
 * Checks of the 2026-07-28 scenarios that cannot apply to a gateway of tools, by id, with why (docs/mcp.md ›
 * Conformance). They must fail as "not testable" — the test fails when one starts passing, so this list and the
 * table stay true — and every other check of the scenario must pass.
 */
const NOT_APPLICABLE_2026: Record<string, Record<string, string>> = {
  "server-stateless": {
    "sep-2575-server-rejects-undeclared-capability":
      "needs a tool that requires sampling (test_missing_capability): the hub never asks the client for anything",
    "sep-2575-missing-capability-http-400": "the same tool",
    "sep-2575-http-server-no-independent-requests-on-stream":
      "needs a tool that elicits (test_streaming_elicitation): the hub never asks the client for anything",
  },
  caching: {
    "sep-2549-prompts-list-caching-hints": "the hub serves no prompts (-32601)",
    "sep-2549-resources-list-caching-hints": "the hub serves no resources (-32601)",
    "sep-2549-resources-templates-list-caching-hints": "the hub serves no resources (-32601)",
  },
  "tasks-dispatch-and-envelope": {
    "tasks-result-type-complete-on-non-task-responses":
      "one check over four answers, one of them from confirm_delete, a tool that parks for elicitation",
  },
};
/** On /mcp the tools are the four meta-tools: the suite's diagnostic logging tool is not there. */
const NOT_APPLICABLE_2026_META: Record<string, Record<string, string>> = {
  "server-stateless": {
    ...NOT_APPLICABLE_2026["server-stateless"],
    "sep-2575-server-no-log-without-loglevel":
      "needs the diagnostic tool test_logging_tool, a spoke tool (checked on /mcp/spokes/conformance)",
  },
};
/**
 * SHOULDs the suite only warns about, which the spoke endpoint meets: listen streams hear tools/list_changed
 * (the conformance spoke's test_trigger_tool_change re-registers its tools), and no log message reaches a request
 * that set no level.
 */
const MUST_PASS_2026_SPOKE: Record<string, string[]> = {
  "server-stateless": [
    "sep-2575-server-sends-tools-list-changed-on-subscription",
    "sep-2575-server-no-log-without-loglevel",
    "sep-2575-server-sends-subscription-ack",
    "sep-2575-server-tags-subscription-id",
  ],
};
/** 2026-07-28 scenarios about the server as a whole: on /mcp and on the spoke endpoint. */
const SERVER_SCENARIOS_2026 = [
  "server-stateless",
  "tools-list",
  "caching",
  "http-header-validation",
  "dns-rebinding-protection",
  "server-sse-multiple-streams",
];
/** 2026-07-28 scenarios that call the conformance spoke's tools (the tasks extension's need `--force`). */
const TOOL_SCENARIOS_2026 = [
  "tools-call-simple-text",
  "tools-call-image",
  "tools-call-audio",
  "tools-call-embedded-resource",
  "tools-call-mixed-content",
  "tools-call-error",
  "tools-call-with-progress",
  "json-schema-2020-12",
  "http-custom-header-server-validation",
];
const TASK_SCENARIOS_2026 = [
  "tasks-lifecycle",
  "tasks-capability-negotiation",
  "tasks-wire-fields",
  "tasks-request-state-removal",
  "tasks-request-headers",
  "tasks-dispatch-and-envelope",
];

interface Run {
  suite: SuiteVersion;
  path: string;
  scenario: string;
  specVersion?: string;
  /**
   * The scenario may end with no check counted: 0.1.16's server-sse-polling sends its tools/call with
   * `MCP-Protocol-Version: 2025-03-26`, a version without resumable streams, so the hub rightly sends no priming
   * event and the suite only warns (0.2.0-alpha.12 sends the negotiated version and passes 3/3).
   */
  noChecks?: boolean;
  /** Run an extension scenario at a spec version it is not listed for (`--force`). */
  force?: boolean;
  /** Check ids that cannot apply here, with why: each must fail, every other check must pass. */
  notApplicable?: Record<string, string>;
  /** Checks the suite only warns about (SHOULDs) that the hub does meet: they must pass. */
  mustPass?: string[];
}

const RUNS: Run[] = (["0.1.16", "0.2.0-alpha.12"] as const).flatMap((suite) => [
  ...[...SERVER_SCENARIOS, ...(suite === "0.1.16" ? [] : NEXT_SERVER_SCENARIOS)].flatMap((scenario) => [
    { suite, path: "/mcp", scenario },
    { suite, path: "/mcp/spokes/conformance", scenario },
  ]),
  ...TOOL_SCENARIOS.map((scenario) => ({
    suite,
    path: "/mcp/spokes/conformance",
    scenario,
    noChecks: suite === "0.1.16" && scenario === "server-sse-polling",
  })),
]);

const NEXT = "0.2.0-alpha.12" as const;
const SPEC_2026 = "2026-07-28";
RUNS.push(
  ...SERVER_SCENARIOS_2026.flatMap((scenario): Run[] => [
    {
      suite: NEXT,
      path: "/mcp",
      scenario,
      specVersion: SPEC_2026,
      notApplicable: NOT_APPLICABLE_2026_META[scenario] ?? NOT_APPLICABLE_2026[scenario],
    },
    {
      suite: NEXT,
      path: "/mcp/spokes/conformance",
      scenario,
      specVersion: SPEC_2026,
      notApplicable: NOT_APPLICABLE_2026[scenario],
      mustPass: MUST_PASS_2026_SPOKE[scenario],
    },
  ]),
  ...[...TOOL_SCENARIOS_2026, ...TASK_SCENARIOS_2026].map(
    (scenario): Run => ({
      suite: NEXT,
      path: "/mcp/spokes/conformance",
      scenario,
      specVersion: SPEC_2026,
      force: TASK_SCENARIOS_2026.includes(scenario),
      notApplicable: NOT_APPLICABLE_2026[scenario],
    }),
  ),
);

/** Each check's id and status as the suite prints them (`<time> [<id>   ] <STATUS> <description>`). */
function checkStatuses(output: string): Array<{ id: string; status: string }> {
  // The suite colours its output even with NO_COLOR set: drop the escape sequences.
  const plain = output.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
  return [...plain.matchAll(/\[([a-z0-9-]+)\s*\] (SUCCESS|FAILURE|WARNING|SKIPPED|INFO)\b/g)].map((m) => ({
    id: m[1] as string,
    status: m[2] as string,
  }));
}

/** Runs one scenario (asynchronously: a blocking spawn would stall the in-process hub). */
async function runScenario(run: Run, baseUrl: string): Promise<{ exitCode: number; output: string }> {
  const args = ["server", "--url", `${baseUrl}${run.path}`, "--scenario", run.scenario];
  if (run.specVersion) args.push("--spec-version", run.specVersion);
  if (run.force) args.push("--force");
  const proc = Bun.spawn([process.execPath, SUITES[run.suite], ...args], {
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

describeWithServices("MCP conformance suites", () => {
  let testHub: TestHub;
  let spoke: Spoke;

  beforeAll(async () => {
    const port = await freePort();
    testHub = await startTestHub({
      extra: {
        server: { host: "127.0.0.1", port },
        // Streams of calls still running after 300 ms are closed for the client to resume (server-sse-polling).
        mcp: { anonymous: { enabled: true, scopes: ["read", "call"] }, ssePollMs: 300 },
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
      operations: conformanceOperationsWithTrigger(() => spoke),
    });
  }, 60_000);

  // The tasks scenarios leave 60 s calls running (they never cancel some of their tasks): stopping the hub ends
  // them, which takes longer than the default hook time on a busy machine.
  afterAll(async () => {
    await spoke?.close();
    await testHub?.stop();
  }, 30_000);

  for (const run of RUNS) {
    const label = `${run.suite}${run.specVersion ? ` at ${run.specVersion}` : ""} ${run.scenario} on ${run.path}`;
    test(label, async () => {
      const { exitCode, output } = await runScenario(run, testHub.url);
      if (process.env.ALKHUB_CONFORMANCE_VERBOSE) console.log(output);
      if (run.notApplicable) {
        const checks = checkStatuses(output);
        expect(checks.some((check) => check.status === "SUCCESS")).toBe(true);
        const unexpected = checks.filter(
          (c) => c.status === "FAILURE" && !(c.id in (run.notApplicable ?? {})),
        );
        expect(unexpected).toEqual([]);
        // Each check listed as not applicable still runs and still fails: when one passes, update the list.
        for (const id of Object.keys(run.notApplicable)) {
          expect(checks.filter((c) => c.id === id).map((c) => c.status)).toEqual(["FAILURE"]);
        }
        for (const id of run.mustPass ?? []) {
          expect(checks.filter((c) => c.id === id).map((c) => c.status)).toEqual(["SUCCESS"]);
        }
        return;
      }
      // At least one check ran (see `noChecks`), none failed.
      expect(output).toMatch(run.noChecks ? /Passed: \d+\/\d+, 0 failed/ : /Passed: [1-9]\d*\/\d+, 0 failed/);
      expect(exitCode).toBe(0);
    }, 60_000);
  }
});
