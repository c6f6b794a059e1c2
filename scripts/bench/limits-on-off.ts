/**
 * Per-key limits on vs off (issue #10 target: relay throughput with all limits on within 5 % of off). Two hub
 * binaries run side by side on embedded stores with the call audit off (so only the limits differ): one with
 * `limits.perKey.enabled: true`, one with `false`. "On" keeps every check on the hot path — revoked-key check,
 * token bucket, in-flight cap and its bookkeeping per call — with ceilings high enough that no call of the
 * benchmark is refused: the row measures what the checks cost, not what refusing costs. Each hub has its own
 * echo spoke; bursts of `--calls` (10,000) calls at 64 in flight over one connection alternate between them,
 * round by round, starting with a different hub each round; each measured burst follows a warm-up burst.
 *
 * Usage: bun scripts/bench/limits-on-off.ts [--calls 10000] [--rounds 5] [--in-flight 64] [--json]
 */
import {
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  fmtInt,
  fmtRatio,
  formatSpread,
  parseBenchArgs,
  printRows,
  progress,
  runCaller,
  spread,
  startSpoke,
  UNREACHED,
  withBench,
} from "./support/index.ts";

/** Most throughput the limits may cost, as a fraction. */
const MAX_COST = 0.05;

/** Options of {@link run}. */
export interface LimitsOptions extends BenchOptions {
  calls?: number;
  rounds?: number;
  inFlight?: number;
}

export async function measureLimits(options: LimitsOptions) {
  const calls = options.calls ?? 10_000;
  const rounds = options.rounds ?? 5;
  const inFlight = options.inFlight ?? 64;
  return withBench(async (ctx) => {
    const config = (perKey: object) => ({ audit: false, extra: { limits: { perKey } } });
    const on = await ctx.launchHub(config(UNREACHED), "hub-limits-on");
    const off = await ctx.launchHub(config({ enabled: false }), "hub-limits-off");
    await startSpoke(ctx.group, on.hub.wsUrl, on.token);
    await startSpoke(ctx.group, off.hub.wsUrl, off.token);
    const rates = { on: [] as number[], off: [] as number[] };
    let errors = 0;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const);
      for (const which of order) {
        const target = which === "on" ? on : off;
        const [w] = await runCaller(ctx.group, {
          wsUrl: target.hub.wsUrl,
          token: target.token,
          inFlight,
          connections: 1,
          calls,
          warmupMs: 0,
          windows: 1,
          windowMs: 1,
        });
        rates[which].push(w!.callsPerSec);
        errors += w!.errors;
      }
      progress(
        options,
        `round ${r + 1}: on ${fmtInt(rates.on.at(-1)!)}/s, off ${fmtInt(rates.off.at(-1)!)}/s`,
      );
    }
    return { calls, rounds, inFlight, on: spread(rates.on), off: spread(rates.off), errors };
  });
}

export function limitsRows(m: Awaited<ReturnType<typeof measureLimits>>): BenchRow[] {
  const ratio = m.on.median / m.off.median;
  return [
    {
      what: `per-key limits on vs off, bursts of ${fmtInt(m.calls)} calls at ${m.inFlight} in flight (calls/s)`,
      target: "on ≥ 0.95 × off",
      hub: `on ${formatSpread(m.on, fmtInt)}`,
      raw: `off ${formatSpread(m.off, fmtInt)}`,
      ratio: fmtRatio(ratio),
      met: ratio >= 1 - MAX_COST && m.errors === 0,
      data: { ...m },
      note: `${m.rounds} rounds, alternating; ceilings above any burst, so no call is refused; ${m.errors} errors`,
    },
  ];
}

/** Runs the benchmark; resolves with its rows. */
export async function run(options: LimitsOptions): Promise<BenchResult> {
  const started = performance.now();
  const rows = limitsRows(await measureLimits(options));
  return { name: "limits-on-off", rows, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values, int } = parseBenchArgs(Bun.argv.slice(2), {
    calls: { type: "string", default: "10000" },
    rounds: { type: "string", default: "5" },
    "in-flight": { type: "string", default: "64" },
    json: { type: "boolean", default: false },
  });
  const result = await run({
    ...common,
    calls: int("calls"),
    rounds: int("rounds"),
    inFlight: int("in-flight"),
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
