/**
 * Registered spokes held by one instance (PERFORMANCE.md target: 15,000 spokes × 10 operations each, all
 * connected and registered in ≤ 10 s; issue #11: ≤ 10 KB of hub RSS per spoke). Several fleet processes open and register
 * `--spokes` spokes at once against one hub binary (Postgres + Redis); the time runs from the first connect to
 * the last registration (epoch ms reported by the fleets), and the hub's VmRSS is read before the fleets start
 * and once all are registered. The hub's open-file limit (RLIMIT_NOFILE) is checked first: each spoke is one fd.
 * The raw relay holds the same fleet in the same run, for comparison.
 *
 * Usage: bun scripts/bench/spokes-held.ts [--spokes 15000] [--ops 10] [--processes 4] [--json]
 */
import { readFileSync } from "node:fs";
import {
  type BenchOptions,
  type BenchProcess,
  type BenchResult,
  type BenchRow,
  fmtInt,
  fmtRatio,
  type ProcessGroup,
  parseBenchArgs,
  printRows,
  progress,
  rssKib,
  startRawRelay,
  startSpokeFleets,
  UNREACHED,
  withBench,
} from "./support/index.ts";

/** Most time to register all spokes, in ms. */
const MAX_REGISTER_MS = 10_000;
/** Most hub RSS per spoke, in KB (1,000 bytes). */
const MAX_KB_PER_SPOKE = 10;
/** Fds a hub needs beside its spokes (Postgres pool, Redis, listeners, files). */
const SPARE_FDS = 200;
/** How long a fleet may take to register its share. */
const FLEET_TIMEOUT_MS = 240_000;
/** Time for the hub to settle (GC, buffers) before RSS is read after registration. */
const SETTLE_MS = 1000;

/** Options of {@link run}. */
export interface SpokesHeldOptions extends BenchOptions {
  spokes?: number;
  ops?: number;
  processes?: number;
}

interface FleetRun {
  registered: number;
  failed: number;
  dropped: number;
  ms: number;
  rssBeforeKib: number;
  rssAfterKib: number;
  firstError?: string;
}

/** Soft limit on open files of `pid`, from /proc/<pid>/limits. */
function fileLimit(pid: number): number {
  const text = readFileSync(`/proc/${pid}/limits`, "utf8");
  const match = /Max open files\s+(\d+|unlimited)/.exec(text);
  return match?.[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match?.[1] ?? 0);
}

/** Starts the fleets against `wsUrl`, waits until all are done; reads `pid`'s RSS before and after. */
async function holdFleet(
  group: ProcessGroup,
  wsUrl: string,
  token: string | undefined,
  pid: number,
  spokes: number,
  ops: number,
  processes: number,
  prefix: string,
): Promise<{ run: FleetRun; fleets: BenchProcess[] }> {
  const rssBeforeKib = rssKib(pid);
  const fleets = startSpokeFleets(group, { wsUrl, token, spokes, ops, processes, prefix });
  const reports = await Promise.all(
    fleets.map(
      async (f) =>
        JSON.parse(await f.waitForLine((l) => l.startsWith('{"ready"'), FLEET_TIMEOUT_MS)) as {
          registered: number;
          failed: number;
          startedAt: number;
          finishedAt: number;
          firstError?: string;
        },
    ),
  );
  await Bun.sleep(SETTLE_MS);
  const rssAfterKib = rssKib(pid);
  const dropped = fleets.reduce((n, f) => {
    const last = f.lines.filter((l) => l.startsWith('{"dropped"')).at(-1);
    return n + (last ? (JSON.parse(last) as { dropped: number }).dropped : 0);
  }, 0);
  return {
    fleets,
    run: {
      registered: reports.reduce((n, r) => n + r.registered, 0),
      failed: reports.reduce((n, r) => n + r.failed, 0),
      dropped,
      ms: Math.max(...reports.map((r) => r.finishedAt)) - Math.min(...reports.map((r) => r.startedAt)),
      rssBeforeKib,
      rssAfterKib,
      firstError: reports.find((r) => r.firstError)?.firstError,
    },
  };
}

export async function measureSpokesHeld(options: SpokesHeldOptions) {
  const spokes = options.spokes ?? 15_000;
  const ops = options.ops ?? 10;
  const processes = options.processes ?? 4;
  return withBench(async (ctx) => {
    const [redisUrl, db] = await Promise.all([ctx.redis(), ctx.database()]);
    // One key registers the whole fleet: its per-key ceilings (64 connections, 60 registrations a minute, 4 MiB
    // of schemas by default) are raised above the fleet, as an operator of such a fleet would.
    const { hub, token } = await ctx.launchHub({
      postgresUrl: db.url,
      redisUrl,
      extra: {
        limits: { perKey: { ...UNREACHED, maxConnections: spokes + SPARE_FDS } },
        registration: { perKeyPerMinute: 10 * spokes, maxSchemaBytesPerKey: 1 << 30 },
      },
    });
    const limit = fileLimit(hub.pid);
    if (limit < spokes + SPARE_FDS) {
      throw new Error(
        `the hub may open only ${limit} files (ulimit -n) but ${spokes} spokes need about ${spokes + SPARE_FDS}: ` +
          "raise it (ulimit -n) or pass a smaller --spokes",
      );
    }
    const raw = await startRawRelay(ctx.group);
    const rawHeld = await holdFleet(
      ctx.group,
      raw.wsUrl,
      undefined,
      raw.process.pid,
      spokes,
      ops,
      processes,
      "r",
    );
    progress(options, `raw relay: ${rawHeld.run.registered} registered in ${rawHeld.run.ms} ms`);
    // The raw fleet is stopped first so both runs have the machine to themselves.
    for (const f of rawHeld.fleets) await f.stop();
    await Bun.sleep(SETTLE_MS);
    const hubHeld = await holdFleet(ctx.group, hub.wsUrl, token, hub.pid, spokes, ops, processes, "s");
    progress(
      options,
      `hub: ${hubHeld.run.registered} registered in ${hubHeld.run.ms} ms (${hubHeld.run.failed} failed)`,
    );
    return { spokes, ops, processes, fileLimit: limit, hub: hubHeld.run, raw: rawHeld.run };
  });
}

export function spokesRows(m: Awaited<ReturnType<typeof measureSpokesHeld>>): BenchRow[] {
  const kbPerSpoke = (r: FleetRun) => ((r.rssAfterKib - r.rssBeforeKib) * 1.024) / Math.max(1, r.registered);
  const all = m.hub.registered === m.spokes && m.hub.failed === 0 && m.hub.dropped === 0;
  const note =
    `${fmtInt(m.hub.registered)} of ${fmtInt(m.spokes)} registered, ${m.hub.failed} failed, ${m.hub.dropped} dropped` +
    ` (${m.processes} fleet processes; hub fd limit ${m.fileLimit})` +
    (m.hub.firstError ? `; first error: ${m.hub.firstError}` : "");
  const common = { spokes: m.spokes, ops: m.ops, hub: m.hub, raw: m.raw };
  return [
    {
      what: `${fmtInt(m.spokes)} spokes × ${m.ops} ops: time until all registered`,
      target: "≤ 10 s",
      hub: `${(m.hub.ms / 1000).toFixed(2)} s`,
      raw: `${(m.raw.ms / 1000).toFixed(2)} s`,
      ratio: fmtRatio(m.hub.ms / m.raw.ms),
      met: all && m.hub.ms <= MAX_REGISTER_MS,
      data: common,
      note,
    },
    {
      what: `${fmtInt(m.spokes)} spokes × ${m.ops} ops: RSS per spoke`,
      target: `≤ ${MAX_KB_PER_SPOKE} KB`,
      hub: `${kbPerSpoke(m.hub).toFixed(1)} KB (${fmtInt(m.hub.rssBeforeKib / 1024)} → ${fmtInt(m.hub.rssAfterKib / 1024)} MiB)`,
      raw: `${kbPerSpoke(m.raw).toFixed(1)} KB (${fmtInt(m.raw.rssBeforeKib / 1024)} → ${fmtInt(m.raw.rssAfterKib / 1024)} MiB)`,
      ratio: fmtRatio(kbPerSpoke(m.hub) / kbPerSpoke(m.raw)),
      met: all && kbPerSpoke(m.hub) <= MAX_KB_PER_SPOKE,
    },
  ];
}

/** Runs the benchmark; resolves with its rows. */
export async function run(options: SpokesHeldOptions): Promise<BenchResult> {
  const started = performance.now();
  const rows = spokesRows(await measureSpokesHeld(options));
  return { name: "spokes-held", rows, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values, int } = parseBenchArgs(Bun.argv.slice(2), {
    spokes: { type: "string", default: "15000" },
    ops: { type: "string", default: "10" },
    processes: { type: "string", default: "4" },
    json: { type: "boolean", default: false },
  });
  const result = await run({
    ...common,
    spokes: int("spokes"),
    ops: int("ops"),
    processes: int("processes"),
  });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
