/**
 * The project's test command (`npm test`, also what `.ci/run` runs). It runs every test file against the real
 * Postgres and Redis (`ALKHUB_TEST_MODE=services`), then the cross-module suites again in embedded mode
 * (`ALKHUB_TEST_MODE=embedded`: PGlite and the in-process bus), and prints `tests: N passed, N failed` computed
 * from the JUnit reports bun writes.
 *
 * Files marked with a line `// alkhub-test: once` (the conformance suites, which already cover every
 * implementation) and unit tests under src/ run in the first pass only.
 *
 * Without Postgres/Redis on a developer machine the suites that need them are skipped with a warning; with
 * CI=true that is an error instead.
 *
 * Usage: bun scripts/test.ts [--mode services|embedded] [file filters…]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const RESULTS_DIR = ".test-results";
const ONCE_MARKER = "// alkhub-test: once";

const { values, positionals } = parseArgs({
  options: { mode: { type: "string" }, "skip-build": { type: "boolean" } },
  allowPositionals: true,
});

async function reachable(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

function testFiles(): string[] {
  const files = [...new Bun.Glob("{src,tests,examples}/**/*.test.ts").scanSync(".")].sort();
  if (positionals.length === 0) return files;
  return files.filter((file) => positionals.some((filter) => file.includes(filter)));
}

interface PassResult {
  name: string;
  tests: number;
  failed: number;
  skipped: number;
  exitCode: number;
}

/** Totals from a bun JUnit report (the root <testsuites> element carries them). */
function readJunit(path: string): { tests: number; failures: number; skipped: number } {
  const xml = readFileSync(path, "utf8");
  const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? "";
  const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? 0);
  return { tests: attr("tests"), failures: attr("failures") + attr("errors"), skipped: attr("skipped") };
}

function runPass(name: string, mode: string, files: string[], env: Record<string, string>): PassResult {
  if (files.length === 0) return { name, tests: 0, failed: 0, skipped: 0, exitCode: 0 };
  const report = `${RESULTS_DIR}/${name}.xml`;
  console.error(`\n=== test pass "${name}" (${files.length} files, ALKHUB_TEST_MODE=${mode}) ===`);
  const result = Bun.spawnSync(
    [
      process.execPath,
      "test",
      "--isolate",
      // bunfig's [test] timeout is not read by this Bun: without the flag every test without its own limit
      // gets 5 s, too tight for a CLI run against PGlite on a loaded 2-core box.
      "--timeout=60000",
      "--reporter=junit",
      `--reporter-outfile=${report}`,
      ...files.map((f) => `./${f}`),
    ],
    { stdout: "inherit", stderr: "inherit", env: { ...process.env, ...env, ALKHUB_TEST_MODE: mode } },
  );
  let totals = { tests: 0, failures: 1, skipped: 0 };
  try {
    totals = readJunit(report);
  } catch {
    console.error(`test pass "${name}": no JUnit report was written (bun exited ${result.exitCode})`);
  }
  const failed = totals.failures > 0 ? totals.failures : result.exitCode === 0 ? 0 : 1;
  return { name, tests: totals.tests, failed, skipped: totals.skipped, exitCode: result.exitCode ?? 1 };
}

mkdirSync(RESULTS_DIR, { recursive: true });
const redisPort = Number(process.env.ALKHUB_TEST_REDIS_PORT || 6379);
const servicesUp = (await reachable(5432)) && (await reachable(redisPort));
if (!servicesUp) {
  const message = `Postgres (127.0.0.1:5432) or Redis (127.0.0.1:${redisPort}) is not reachable`;
  if (process.env.CI === "true") {
    console.error(`${message}; CI needs both (.ci/run starts them).`);
    process.exit(1);
  }
  console.error(`WARNING: ${message}: suites that need them are skipped; embedded mode still runs.`);
}
const env: Record<string, string> = servicesUp ? {} : { ALKHUB_TEST_SERVICES: "off" };

if (!values["skip-build"]) {
  // End-to-end suites run the compiled binary, so build it first.
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts"], {
    stdout: "inherit",
    stderr: "inherit",
  });
  if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
}

const files = testFiles();
const runsOnce = (file: string) =>
  file.startsWith("src/") || readFileSync(file, "utf8").includes(ONCE_MARKER);
const passes: PassResult[] = [];
if (values.mode !== "embedded") passes.push(runPass("services", "services", files, env));
if (values.mode !== "services") {
  passes.push(
    runPass(
      "embedded",
      "embedded",
      files.filter((f) => !runsOnce(f)),
      env,
    ),
  );
}

const total = passes.reduce(
  (sum, p) => ({
    tests: sum.tests + p.tests,
    failed: sum.failed + p.failed,
    skipped: sum.skipped + p.skipped,
  }),
  { tests: 0, failed: 0, skipped: 0 },
);
const passed = total.tests - total.failed - total.skipped;
writeFileSync(`${RESULTS_DIR}/summary.json`, JSON.stringify({ ...total, passed, passes }, null, 2));
console.error("");
for (const p of passes)
  console.error(
    `pass ${p.name}: ${p.tests - p.failed - p.skipped} passed, ${p.failed} failed, ${p.skipped} skipped`,
  );
console.log(
  `tests: ${passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ""}`,
);
process.exit(total.failed > 0 || passes.some((p) => p.exitCode !== 0) ? 1 : 0);
