/**
 * Hub CPU per call (issue #11 target, audit on: ≤ 1.3 × raw): utime + stime of the hub process, read from
 * /proc/<pid>/stat at the edges of each measured window, divided by the calls completed in it; the same for the
 * raw relay process in the same run. Run alone it measures 64 and 256 in flight on one connection; run-all
 * passes the relay benchmark's points instead of measuring twice.
 *
 * Usage: bun scripts/bench/cpu-per-call.ts [--windows 3] [--window-ms 5000] [--warmup-ms 2000] [--json]
 */
import { cpuPerCall, describe, measureRelay, type RelayPoint } from "./relay.ts";
import {
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  fmtRatio,
  formatSpread,
  parseBenchArgs,
  printRows,
} from "./support/index.ts";

/** Limit of hub ÷ raw CPU per call. */
const MAX_CPU_RATIO = 1.3;
const fmtCpu = (us: number) => `${us.toFixed(1)} µs`;

/** One row per point with 64 or more in flight (a single call in flight leaves the relay mostly idle). */
export function cpuRows(points: RelayPoint[]): BenchRow[] {
  return points
    .filter((p) => p.inFlight >= 64)
    .map((p) => {
      const hub = cpuPerCall(p.hub);
      const raw = cpuPerCall(p.raw);
      const ratio = hub.median / raw.median;
      return {
        what: `CPU per call, ${describe(p)}`,
        target: `≤ ${MAX_CPU_RATIO} × raw`,
        hub: formatSpread(hub, fmtCpu),
        raw: formatSpread(raw, fmtCpu),
        ratio: fmtRatio(ratio),
        met: ratio <= MAX_CPU_RATIO,
        data: { inFlight: p.inFlight, connections: p.connections, hubUs: hub.median, rawUs: raw.median },
      };
    });
}

/** Runs the benchmark (or reuses `points` measured by relay.ts); resolves with its rows. */
export async function run(options: BenchOptions, points?: RelayPoint[]): Promise<BenchResult> {
  const started = performance.now();
  const measured =
    points ??
    (await measureRelay(options, [
      { inFlight: 64, connections: 1 },
      { inFlight: 256, connections: 1 },
    ]));
  return { name: "cpu-per-call", rows: cpuRows(measured), seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values } = parseBenchArgs(Bun.argv.slice(2), { json: { type: "boolean", default: false } });
  const result = await run(common);
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
