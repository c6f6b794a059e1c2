/**
 * A call through a second instance (PERFORMANCE.md target: ≥ 0.5 × raw single-instance throughput; p50 ≤ 0.3 ms
 * at 1 in flight). Two hub binaries share one Postgres database and one redis-server of the benchmark's own;
 * the echo spoke registers on A, the caller talks to B, so every call crosses Redis twice. The raw relay
 * (single instance) runs the same shapes in the same run.
 *
 * Usage: bun scripts/bench/cross-instance.ts [--in-flight 1,64,256] [--windows 3] [--window-ms 5000] [--json]
 */
import { benchConfigExtra, describe, intList, p50, p99, type RelayPoint, rate } from "./relay.ts";
import {
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  fmtInt,
  fmtRatio,
  fmtUs,
  formatSpread,
  parseBenchArgs,
  printRows,
  probeCall,
  progress,
  runCaller,
  startHub,
  startRawRelay,
  startSpoke,
  withBench,
} from "./support/index.ts";

/** Least hub-through-Redis ÷ raw single-instance throughput. */
const MIN_THROUGHPUT_RATIO = 0.5;
/** Largest p50 at 1 in flight, in µs. */
const MAX_P50_US = 300;

/** Options of {@link run}. */
export interface CrossInstanceOptions extends BenchOptions {
  /** Default 1, 64, 256 (one caller connection). */
  inFlight?: number[];
}

export async function measureCrossInstance(options: CrossInstanceOptions): Promise<RelayPoint[]> {
  return withBench(async (ctx) => {
    const [redisUrl, db] = await Promise.all([ctx.redis(), ctx.database()]);
    // Per-key limits far above the load, as in the relay rows (the default 1,000 calls/s per key capped this).
    const a = await ctx.launchHub({ postgresUrl: db.url, redisUrl, extra: benchConfigExtra() }, "hub-a");
    const bFiles = ctx.hubFiles({ postgresUrl: db.url, redisUrl, extra: benchConfigExtra() });
    const b = await startHub(ctx.group, bFiles, "hub-b");
    await startSpoke(ctx.group, a.hub.wsUrl, a.token);
    await probeCall(b.wsUrl, a.token, "bench.echo");
    progress(options, "spoke on A answers through B");
    const raw = await startRawRelay(ctx.group);
    await startSpoke(ctx.group, raw.wsUrl, undefined);
    const points: RelayPoint[] = [];
    for (const inFlight of options.inFlight ?? [1, 64, 256]) {
      const common = {
        inFlight,
        connections: 1,
        warmupMs: options.warmupMs,
        windows: options.windows,
        windowMs: options.windowMs,
      };
      const rawWindows = await runCaller(ctx.group, {
        ...common,
        wsUrl: raw.wsUrl,
        watchPid: raw.process.pid,
      });
      const hubWindows = await runCaller(ctx.group, {
        ...common,
        wsUrl: b.wsUrl,
        token: a.token,
        watchPid: b.pid,
      });
      const point = { inFlight, connections: 1, hub: hubWindows, raw: rawWindows };
      progress(
        options,
        `${describe(point)}: B→A ${fmtInt(rate(point.hub).median)}/s, raw ${fmtInt(rate(point.raw).median)}/s`,
      );
      points.push(point);
    }
    return points;
  });
}

export function crossRows(points: RelayPoint[]): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const p of points) {
    const ratio = rate(p.hub).median / rate(p.raw).median;
    const errors = [...p.hub, ...p.raw].reduce((n, w) => n + w.errors, 0);
    rows.push({
      what: `call via a 2nd instance (Redis), ${describe(p)} (calls/s)`,
      target: p.inFlight >= 64 ? "≥ 0.5 × raw single-instance" : "(info)",
      hub: formatSpread(rate(p.hub), fmtInt),
      raw: formatSpread(rate(p.raw), fmtInt),
      ratio: fmtRatio(ratio),
      met: p.inFlight >= 64 ? ratio >= MIN_THROUGHPUT_RATIO && errors === 0 : null,
      data: { inFlight: p.inFlight, hubCallsPerSec: rate(p.hub).median, rawCallsPerSec: rate(p.raw).median },
      note: errors > 0 ? `${errors} calls failed` : undefined,
    });
  }
  for (const p of points.filter((x) => x.inFlight === 1)) {
    rows.push({
      what: "call via a 2nd instance (Redis), p50 at 1 in flight",
      target: "≤ 0.3 ms",
      hub: formatSpread(p50(p.hub), fmtUs),
      raw: formatSpread(p50(p.raw), fmtUs),
      ratio: fmtRatio(p50(p.hub).median / p50(p.raw).median),
      met: p50(p.hub).median <= MAX_P50_US,
      note: `p99 ${fmtUs(p99(p.hub).median)} (raw ${fmtUs(p99(p.raw).median)})`,
    });
  }
  return rows;
}

/** Runs the benchmark; resolves with its rows. */
export async function run(options: CrossInstanceOptions): Promise<BenchResult> {
  const started = performance.now();
  const points = await measureCrossInstance(options);
  return { name: "cross-instance", rows: crossRows(points), seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values } = parseBenchArgs(Bun.argv.slice(2), {
    "in-flight": { type: "string", default: "1,64,256" },
    json: { type: "boolean", default: false },
  });
  const result = await run({ ...common, inFlight: intList(String(values["in-flight"]), "in-flight") });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
