/**
 * `bun run bench`: every benchmark of scripts/bench in turn, then docs/benchmarks.md (the table with date,
 * machine, commit and this command) and docs/benchmarks-relay.svg (hub vs raw relay throughput and p50).
 * A benchmark that fails is reported as such and the others still run. About 6 minutes on a 2-core machine.
 *
 * Usage: bun scripts/bench/run-all.ts [--quick] [--build] [--only relay,cpu-per-call,…] [--spokes 15000]
 *          [--windows 3] [--window-ms 5000] [--warmup-ms 2000] [--no-write] [--json]
 *   --quick   small settings (1 s windows, 2,000 spokes, fewer runs) to check that everything works
 *   --build   rebuild dist/alkhub first (bun scripts/build.ts)
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run as auditOnOff } from "./audit-on-off.ts";
import { run as binarySize } from "./binary-size.ts";
import { run as bridge } from "./bridge.ts";
import { run as coldStart } from "./cold-start.ts";
import { run as cpuPerCall } from "./cpu-per-call.ts";
import { run as crossInstance } from "./cross-instance.ts";
import { run as dashboardLoad } from "./dashboard-load.ts";
import { run as limitsOnOff } from "./limits-on-off.ts";
import { run as mcpCall } from "./mcp-call.ts";
import { run as mcpLatency } from "./mcp-latency.ts";
import { run as reconnectStorm } from "./reconnect-storm.ts";
import { type RelayPoint, runRelay } from "./relay.ts";
import { run as spokesHeld } from "./spokes-held.ts";
import {
  type BenchOptions,
  type BenchResult,
  BINARY_PATH,
  benchmarksMarkdown,
  type ChartPoint,
  parseBenchArgs,
  printRows,
  relayChartSvg,
  requireBinary,
} from "./support/index.ts";

const ROOT = join(import.meta.dir, "..", "..");
const NAMES = [
  "binary-size",
  "relay",
  "relay-embedded",
  "cpu-per-call",
  "cross-instance",
  "mcp-call",
  "mcp-latency",
  "bridge",
  "audit-on-off",
  "limits-on-off",
  "spokes-held",
  "cold-start",
  "reconnect-storm",
  "dashboard-load",
];

const argv = Bun.argv.slice(2);
const { common, values, int } = parseBenchArgs(argv, {
  quick: { type: "boolean", default: false },
  build: { type: "boolean", default: false },
  only: { type: "string", default: NAMES.join(",") },
  spokes: { type: "string", default: "15000" },
  "no-write": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
});
const quick = values.quick === true;
const options: BenchOptions = quick ? { ...common, warmupMs: 500, windows: 2, windowMs: 1000 } : common;
const only = new Set(String(values.only).split(","));
for (const name of only)
  if (!NAMES.includes(name))
    throw new Error(`--only: unknown benchmark "${name}" (known: ${NAMES.join(", ")})`);

function git(args: string[]): string {
  const result = Bun.spawnSync(["git", ...args], { cwd: ROOT, stderr: "ignore" });
  return result.exitCode === 0 ? result.stdout.toString().trim() : "";
}

if (values.build) {
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts"], {
    cwd: ROOT,
    stdout: "inherit",
    stderr: "inherit",
  });
  if (build.exitCode !== 0) throw new Error(`bun scripts/build.ts exited with ${build.exitCode}`);
}
requireBinary();
const binaryVersion = Bun.spawnSync([BINARY_PATH, "version"], { env: {} }).stdout.toString().trim();

const started = performance.now();
const results: BenchResult[] = [];
const failures: string[] = [];
let relayPoints: RelayPoint[] | undefined;
let embeddedPoints: RelayPoint[] | undefined;

const steps: [string, () => Promise<BenchResult>][] = [
  ["binary-size", () => binarySize()],
  [
    "relay",
    async () => {
      const result = await runRelay(options);
      relayPoints = result.points;
      return { name: result.name, rows: result.rows, seconds: result.seconds };
    },
  ],
  [
    "relay-embedded",
    async () => {
      // Issue #11: the relay on the embedded store too (audit on), at the loads the targets name.
      const result = await runRelay({ ...options, store: "embedded", inFlight: [64, 256], connections: [1] });
      embeddedPoints = result.points;
      return { name: result.name, rows: result.rows, seconds: result.seconds };
    },
  ],
  [
    "cpu-per-call",
    () => {
      const measured = [...(relayPoints ?? []), ...(embeddedPoints ?? [])];
      return cpuPerCall(options, measured.length > 0 ? measured : undefined);
    },
  ],
  ["cross-instance", () => crossInstance(options)],
  ["mcp-call", () => mcpCall(options)],
  ["mcp-latency", () => mcpLatency(options)],
  ["bridge", () => bridge(options)],
  ["audit-on-off", () => auditOnOff({ ...options, rounds: quick ? 1 : 2 })],
  ["limits-on-off", () => limitsOnOff({ ...options, rounds: quick ? 1 : 5 })],
  ["spokes-held", () => spokesHeld({ ...options, spokes: quick ? 2000 : int("spokes") })],
  ["cold-start", () => coldStart({ ...options, runs: quick ? 3 : 7, firstRuns: quick ? 1 : 3 })],
  ["reconnect-storm", () => reconnectStorm({ ...options, rounds: quick ? 1 : 3 })],
  ["dashboard-load", () => dashboardLoad({ ...options, samples: quick ? 3 : 10 })],
];

for (const [name, step] of steps) {
  if (!only.has(name)) continue;
  const t0 = performance.now();
  console.error(`▶ ${name}`);
  try {
    const result = await step();
    results.push(result);
    console.error(`  done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } catch (error) {
    const message = (error as Error).message.split("\n")[0]!.slice(0, 600);
    failures.push(`**${name}**: ${message}`);
    console.error(`  FAILED: ${message}`);
  }
}

const seconds = (performance.now() - started) / 1000;
const rows = results.flatMap((r) => r.rows);
if (values.json) console.log(JSON.stringify({ results, failures, seconds }, null, 2));
else printRows(rows);
console.error(`total ${seconds.toFixed(0)} s`);

if (!values["no-write"]) {
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) ? " (uncommitted changes)" : "";
  const markdown = benchmarksMarkdown(results, {
    date: new Date(),
    commit: `${git(["rev-parse", "--short=12", "HEAD"]) || "unknown"}${dirty}`,
    binaryVersion,
    command: ["bun run bench", ...argv].join(" "),
    seconds,
    settings:
      `warm-up ${options.warmupMs} ms, ${options.windows} windows × ${options.windowMs} ms per shape; ` +
      `${quick ? 2000 : int("spokes")} spokes; hubs on Postgres 15 + a redis-server of the run's own unless a row says otherwise`,
    failures,
  });
  writeFileSync(join(ROOT, "docs", "benchmarks.md"), markdown);
  const chartPoints: ChartPoint[] = (relayPoints ?? []).map((p) => {
    const d =
      rows.find(
        (r) =>
          r.data?.inFlight === p.inFlight &&
          r.data?.connections === p.connections &&
          r.data?.hubCallsPerSec !== undefined,
      )?.data ?? {};
    return {
      label: `${p.inFlight} / ${p.connections}c`,
      hubCallsPerSec: Number(d.hubCallsPerSec),
      rawCallsPerSec: Number(d.rawCallsPerSec),
      hubP50Us: Number(d.hubP50Us),
      rawP50Us: Number(d.rawP50Us),
    };
  });
  if (chartPoints.length > 0) {
    const caption = `alkhub ${binaryVersion.replace(/^alkhub /, "")}, ${new Date().toISOString().slice(0, 10)}; medians of ${options.windows} × ${options.windowMs / 1000} s windows`;
    writeFileSync(join(ROOT, "docs", "benchmarks-relay.svg"), relayChartSvg(chartPoints, caption));
  }
  console.error("wrote docs/benchmarks.md and docs/benchmarks-relay.svg");
}
process.exit(failures.length > 0 ? 1 : 0);
