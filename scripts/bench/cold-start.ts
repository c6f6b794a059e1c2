/**
 * Cold start of the compiled binary to `/health` 200 (PERFORMANCE.md targets: ≤ 150 ms with Postgres + Redis;
 * ≤ 500 ms reopening an embedded data dir; ≤ 3 s for a first embedded start). Each run spawns `alkhub serve`,
 * polls /health every 2 ms from spawn until it answers 200, then stops the hub (SIGTERM) before the next run.
 * Postgres runs use an already migrated database of the benchmark's own and a redis-server of its own; reopen
 * runs reuse one data dir; first-start runs each get an empty data dir. Reports the median [min–max].
 *
 * Usage: bun scripts/bench/cold-start.ts [--runs 7] [--first-runs 3] [--json]
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  type BenchContext,
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  createKey,
  formatSpread,
  type HubFiles,
  parseBenchArgs,
  printRows,
  progress,
  type Spread,
  spread,
  startHub,
  withBench,
} from "./support/index.ts";

/** Options of {@link run}. */
export interface ColdStartOptions extends BenchOptions {
  /** Runs with Postgres + Redis and reopening the embedded dir, default 7. */
  runs?: number;
  /** First embedded starts (each costs seconds and about 1 GiB), default 3. */
  firstRuns?: number;
}

/** Starts and stops a hub on `files` once; resolves with spawn → /health 200 in ms. */
async function startOnce(ctx: BenchContext, files: HubFiles): Promise<number> {
  const hub = await startHub(ctx.group, files, "cold-start");
  await hub.process.stop();
  return hub.startMs;
}

export async function measureColdStart(options: ColdStartOptions) {
  const runs = options.runs ?? 7;
  const firstRuns = options.firstRuns ?? 3;
  return withBench(async (ctx) => {
    const [redisUrl, db] = await Promise.all([ctx.redis(), ctx.database()]);
    const pgFiles = ctx.hubFiles({ postgresUrl: db.url, redisUrl });
    await createKey(pgFiles); // migrates the database: the runs below measure a start, not a migration
    await startOnce(ctx, pgFiles); // warms the OS file cache for the binary
    const postgres: number[] = [];
    for (let i = 0; i < runs; i++) postgres.push(await startOnce(ctx, pgFiles));
    progress(options, `Postgres + Redis: ${postgres.map((ms) => ms.toFixed(0)).join(", ")} ms`);

    const first: number[] = [];
    let reopenFiles: HubFiles | undefined;
    for (let i = 0; i < firstRuns; i++) {
      const files = ctx.hubFiles({ embeddedDir: "./data" });
      first.push(await startOnce(ctx, files));
      if (reopenFiles) rmSync(join(files.dir, "data"), { recursive: true, force: true });
      else reopenFiles = files; // the first dir is kept for the reopen runs
    }
    progress(options, `first embedded start: ${first.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    const reopen: number[] = [];
    for (let i = 0; i < runs && reopenFiles; i++) reopen.push(await startOnce(ctx, reopenFiles));
    progress(options, `reopen embedded: ${reopen.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    return { postgres: spread(postgres), reopen: spread(reopen), first: spread(first), runs, firstRuns };
  });
}

export function coldStartRows(m: Awaited<ReturnType<typeof measureColdStart>>): BenchRow[] {
  const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;
  const row = (what: string, s: Spread, limitMs: number, n: number): BenchRow => ({
    what: `cold start to /health ok, ${what} (median of ${n})`,
    target: `≤ ${limitMs >= 1000 ? `${limitMs / 1000} s` : `${limitMs} ms`}`,
    hub: formatSpread(s, fmtMs),
    raw: "—",
    ratio: `${(s.median / limitMs).toFixed(2)} of target`,
    met: s.median <= limitMs,
    data: { ...s },
  });
  return [
    row("Postgres + Redis", m.postgres, 150, m.runs),
    row("reopening an embedded data dir", m.reopen, 500, m.runs),
    row("first embedded start", m.first, 3000, m.firstRuns),
  ];
}

/** Runs the benchmark; resolves with its rows. */
export async function run(options: ColdStartOptions): Promise<BenchResult> {
  const started = performance.now();
  const rows = coldStartRows(await measureColdStart(options));
  return { name: "cold-start", rows, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values, int } = parseBenchArgs(Bun.argv.slice(2), {
    runs: { type: "string", default: "7" },
    "first-runs": { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  });
  const result = await run({ ...common, runs: int("runs"), firstRuns: int("first-runs") });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
