/**
 * Call audit on vs off (PERFORMANCE.md target: audit on costs ≤ 10 % of relay throughput). Two hub binaries
 * run side by side, one with `audit.enabled: true` and one with `false`, each on a Postgres database of its own
 * with its own echo spoke (no Redis: the audit path does not touch the bus). Bursts of `--calls` (5,000) calls
 * at 64 in flight alternate between them, round by round, starting with a different hub each round; each
 * burst follows a warm-up burst. Each measured burst starts with the database quiet: the audit rows of every
 * earlier burst are written first, and the warm-up burst's rows get `AUDIT_SETTLE_MS` to be written (the audit
 * writes them within one flush interval, off the hot path) — so a burst is not slowed by the writes of the one
 * before it, which is how one burst on its own runs. Afterwards the audited hub's `calls` table must hold
 * exactly one row per call it relayed, and the other none.
 *
 * Usage: bun scripts/bench/audit-on-off.ts [--calls 5000] [--rounds 5] [--in-flight 64] [--json]
 */
import postgres from "postgres";
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
  withBench,
} from "./support/index.ts";

/** Most throughput the audit may cost, as a fraction. */
const MAX_COST = 0.1;
/** Pause after each warm-up burst: one audit flush interval (1 s) plus the time to write its rows. */
const AUDIT_SETTLE_MS = 1500;
/** How long the audit writer gets to flush every row after the last burst. */
const FLUSH_TIMEOUT_MS = 20_000;

/** Options of {@link run}. */
export interface AuditOptions extends BenchOptions {
  calls?: number;
  rounds?: number;
  inFlight?: number;
}

/** Rows of `bench.echo` calls in the `calls` table of `url`, polled until `expected` or the timeout. */
async function auditedRows(url: string, expected: number): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const deadline = performance.now() + FLUSH_TIMEOUT_MS;
    for (;;) {
      const [row] = await sql<
        { n: number }[]
      >`select count(*)::int as n from calls where operation = 'bench.echo'`;
      const n = row?.n ?? 0;
      if (n >= expected || performance.now() > deadline) return n;
      await Bun.sleep(100);
    }
  } finally {
    await sql.end();
  }
}

export async function measureAudit(options: AuditOptions) {
  const calls = options.calls ?? 5000;
  const rounds = options.rounds ?? 5;
  const inFlight = options.inFlight ?? 64;
  return withBench(async (ctx) => {
    const [dbOn, dbOff] = await Promise.all([ctx.database(), ctx.database()]);
    const on = await ctx.launchHub({ postgresUrl: dbOn.url, audit: true }, "hub-audit-on");
    const off = await ctx.launchHub({ postgresUrl: dbOff.url, audit: false }, "hub-audit-off");
    await startSpoke(ctx.group, on.hub.wsUrl, on.token);
    await startSpoke(ctx.group, off.hub.wsUrl, off.token);
    const rates = { on: [] as number[], off: [] as number[] };
    let sentToOn = 0;
    let errors = 0;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const);
      for (const which of order) {
        const target = which === "on" ? on : off;
        // Start from a quiet database: every row of the earlier bursts written.
        await auditedRows(dbOn.url, sentToOn);
        const [w] = await runCaller(ctx.group, {
          pauseMs: AUDIT_SETTLE_MS,
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
        if (which === "on") sentToOn += 2 * calls; // the warm-up burst and the measured one
      }
      progress(
        options,
        `round ${r + 1}: on ${fmtInt(rates.on.at(-1)!)}/s, off ${fmtInt(rates.off.at(-1)!)}/s`,
      );
    }
    const rowsOn = await auditedRows(dbOn.url, sentToOn);
    const rowsOff = await auditedRows(dbOff.url, 0);
    return {
      calls,
      rounds,
      inFlight,
      on: spread(rates.on),
      off: spread(rates.off),
      sentToOn,
      rowsOn,
      rowsOff,
      errors,
    };
  });
}

export function auditRows(m: Awaited<ReturnType<typeof measureAudit>>): BenchRow[] {
  const ratio = m.on.median / m.off.median;
  const complete = m.rowsOn === m.sentToOn && m.rowsOff === 0 && m.errors === 0;
  return [
    {
      what: `audit on vs off, bursts of ${fmtInt(m.calls)} calls at ${m.inFlight} in flight (calls/s)`,
      target: "on ≥ 0.9 × off",
      hub: `on ${formatSpread(m.on, fmtInt)}`,
      raw: `off ${formatSpread(m.off, fmtInt)}`,
      ratio: fmtRatio(ratio),
      met: ratio >= 1 - MAX_COST && complete,
      data: { ...m },
      note:
        `calls table: ${fmtInt(m.rowsOn)} rows for ${fmtInt(m.sentToOn)} audited calls ` +
        `(${m.rounds} rounds × 2 bursts of ${fmtInt(m.calls)}); audit-off hub: ${m.rowsOff} rows; ${m.errors} errors`,
    },
  ];
}

/** Runs the benchmark; resolves with its rows. */
export async function run(options: AuditOptions): Promise<BenchResult> {
  const started = performance.now();
  const rows = auditRows(await measureAudit(options));
  return { name: "audit-on-off", rows, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values, int } = parseBenchArgs(Bun.argv.slice(2), {
    calls: { type: "string", default: "5000" },
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
