/**
 * Call audit on vs off under sustained load (issue #11; PERFORMANCE.md target: the audit costs ≤ 10 % of relay
 * throughput). For each store — Postgres and the embedded PGlite — two hub binaries run side by side, one with
 * `audit.enabled: true` and one with `false`, each with its own database and echo spoke (no Redis). Each
 * measurement is a warm-up then `--windows` windows of continuous load at `--in-flight` calls (no pause lets the
 * database catch up), alternating between the hubs, round by round. Besides calls/s it records the hub
 * process's CPU per call and, separately, the database's: the Postgres backends serving that hub's database, or
 * the embedded store's worker thread inside the hub. Afterwards the audited hub must have written or still hold
 * every row (none dropped, read from its /metrics). Per-key limits stay on with ceilings the load never reaches
 * (the default rate would cap one key at 1,000 calls/s). While the load runs, `/health` is fetched every
 * 50 ms: its latency shows whether the audit's writes (and, embedded, the store itself) hold the hub's thread.
 *
 * Usage: bun scripts/bench/audit-on-off.ts [--rounds 2] [--in-flight 64] [--stores postgres,embedded]
 *          [--windows 3] [--window-ms 5000] [--warmup-ms 2000] [--json]
 */
import { readdirSync, readFileSync } from "node:fs";
import postgres from "postgres";
import {
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  CLOCK_TICKS_PER_S,
  fmtInt,
  fmtRatio,
  fmtUs,
  formatSpread,
  parseBenchArgs,
  postgresBackendTicks,
  printRows,
  progress,
  runCaller,
  spread,
  startSpoke,
  UNREACHED,
  type WindowResult,
  withBench,
} from "./support/index.ts";

/** Most throughput the audit may cost, as a fraction. */
const MAX_COST = 0.1;
type StoreKind = "postgres" | "embedded";

/** Options of {@link run}. */
export interface AuditOptions extends BenchOptions {
  rounds?: number;
  inFlight?: number;
  stores?: StoreKind[];
}

/** CPU ticks of the threads named `Worker` in `pid` (the embedded store's worker is the hub's only one). */
function workerThreadTicks(pid: number): number {
  let ticks = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() !== "Worker") continue;
      const text = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ticks;
}

/** A counter's value from a hub's /metrics (0 when absent). */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
}

interface Side {
  rates: number[];
  hubCpuUs: number[];
  dbCpuUs: number[];
  errors: number;
  /** Latency of each /health answer during the load, in ms (Infinity: no answer within 2 s). */
  healthMs: number[];
}

/** Fetches `${url}/health` every `intervalMs` until stopped; resolves with each answer's latency in ms. */
function sampleHealth(url: string, intervalMs = 50): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        samples.push(performance.now() - started);
      } catch {
        samples.push(Number.POSITIVE_INFINITY);
      }
      const rest = intervalMs - (performance.now() - started);
      if (rest > 0) await Bun.sleep(rest);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return samples;
    },
  };
}

/** The `p`-th percentile (0–100) of `values`, nearest rank. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(1)} ms` : "no answer");

export async function measureAudit(options: AuditOptions, store: StoreKind) {
  const rounds = options.rounds ?? 2;
  const inFlight = options.inFlight ?? 64;
  return withBench(async (ctx) => {
    const launch = async (audit: boolean) => {
      const db = store === "postgres" ? await ctx.database() : undefined;
      const started = await ctx.launchHub(
        { postgresUrl: db?.url, audit, extra: { limits: { perKey: UNREACHED } } },
        `hub-${store}-audit-${audit ? "on" : "off"}`,
      );
      await startSpoke(ctx.group, started.hub.wsUrl, started.token);
      return { ...started, db };
    };
    const on = await launch(true);
    const off = await launch(false);
    const admin = postgres("postgres://postgres@127.0.0.1:5432/postgres", { max: 1, onnotice: () => {} });
    ctx.defer(() => admin.end());
    const sides: Record<"on" | "off", Side> = {
      on: { rates: [], hubCpuUs: [], dbCpuUs: [], errors: 0, healthMs: [] },
      off: { rates: [], hubCpuUs: [], dbCpuUs: [], errors: 0, healthMs: [] },
    };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const);
      for (const which of order) {
        const target = which === "on" ? on : off;
        const dbTicks = () =>
          target.db
            ? postgresBackendTicks(admin, target.db.name)
            : Promise.resolve(workerThreadTicks(target.hub.pid));
        const db0 = await dbTicks();
        const t0 = performance.now();
        const health = sampleHealth(target.hub.url);
        const windows: WindowResult[] = await runCaller(ctx.group, {
          wsUrl: target.hub.wsUrl,
          token: target.token,
          inFlight,
          connections: 1,
          warmupMs: options.warmupMs,
          windows: options.windows,
          windowMs: options.windowMs,
          watchPid: target.hub.pid,
        });
        const elapsedS = (performance.now() - t0) / 1000;
        const dbUsed = (await dbTicks()) - db0;
        const side = sides[which];
        side.healthMs.push(...(await health.stop()));
        const calls = windows.reduce((n, w) => n + w.calls, 0);
        const windowS = windows.reduce((n, w) => n + w.seconds, 0);
        // The database's ticks cover the warm-up too: spread them over the calls of the whole run, estimated
        // from the windows' rate.
        const callsInRun = calls * (elapsedS / Math.max(windowS, 1e-9));
        for (const w of windows) {
          side.rates.push(w.callsPerSec);
          side.hubCpuUs.push((w.cpuTicks * 1e6) / CLOCK_TICKS_PER_S / Math.max(1, w.calls));
          side.errors += w.errors;
        }
        side.dbCpuUs.push((dbUsed * 1e6) / CLOCK_TICKS_PER_S / Math.max(1, callsInRun));
      }
      progress(
        options,
        `${store} round ${r + 1}: on ${fmtInt(sides.on.rates.at(-1)!)}/s, off ${fmtInt(sides.off.rates.at(-1)!)}/s`,
      );
    }
    const dropped = await metric(on.hub.url, "alkhub_audit_dropped_total");
    const written = await metric(on.hub.url, "alkhub_audit_written_total");
    const queued = await metric(on.hub.url, "alkhub_audit_queue_rows");
    return { store, rounds, inFlight, sides, dropped, written, queued };
  });
}

export function auditRows(m: Awaited<ReturnType<typeof measureAudit>>): BenchRow[] {
  const on = spread(m.sides.on.rates);
  const off = spread(m.sides.off.rates);
  const ratio = on.median / off.median;
  const errors = m.sides.on.errors + m.sides.off.errors;
  const health = (s: Side) =>
    `p50 ${fmtMs(percentile(s.healthMs, 50))}, p99 ${fmtMs(percentile(s.healthMs, 99))}, max ${fmtMs(percentile(s.healthMs, 100))} (${s.healthMs.length} samples)`;
  const cpu = (s: Side) =>
    `hub ${fmtUs(spread(s.hubCpuUs).median)}, ${m.store === "postgres" ? "Postgres backends" : "store worker (inside the hub)"} ${fmtUs(spread(s.dbCpuUs).median)}`;
  return [
    {
      what: `audit on vs off, sustained, ${m.inFlight} in flight, ${m.store} (calls/s)`,
      target: "on ≥ 0.9 × off",
      hub: `on ${formatSpread(on, fmtInt)}`,
      raw: `off ${formatSpread(off, fmtInt)}`,
      ratio: fmtRatio(ratio),
      met: ratio >= 1 - MAX_COST && m.dropped === 0 && errors === 0,
      data: { ...m, onCallsPerSec: on.median, offCallsPerSec: off.median },
      note:
        `CPU per call — audit on: ${cpu(m.sides.on)}; off: ${cpu(m.sides.off)}. ` +
        `/health during the load — audit on: ${health(m.sides.on)}; off: ${health(m.sides.off)}. ` +
        `Audit rows: ${fmtInt(m.written)} written, ${fmtInt(m.queued)} still queued, ${fmtInt(m.dropped)} dropped; ` +
        `${errors} call errors`,
    },
  ];
}

/** Runs the benchmark for each store; resolves with its rows. */
export async function run(options: AuditOptions): Promise<BenchResult> {
  const started = performance.now();
  const rows: BenchRow[] = [];
  for (const store of options.stores ?? (["postgres", "embedded"] as const)) {
    rows.push(...auditRows(await measureAudit(options, store)));
  }
  return { name: "audit-on-off", rows, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values, int } = parseBenchArgs(Bun.argv.slice(2), {
    rounds: { type: "string", default: "2" },
    "in-flight": { type: "string", default: "64" },
    stores: { type: "string", default: "postgres,embedded" },
    json: { type: "boolean", default: false },
  });
  const result = await run({
    ...common,
    rounds: int("rounds"),
    inFlight: int("in-flight"),
    stores: String(values.stores).split(",") as StoreKind[],
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
