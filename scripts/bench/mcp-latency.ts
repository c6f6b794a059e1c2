/**
 * One MCP tool call at 1 in flight (issue #11 target: hub p50 ≤ 1.3× the same tool served directly by an SDK
 * server). One client with one session calls, back to back: `echo` on an SDK server (load/sdk-server.ts, the
 * floor), `hub.call` of `bench.echo` on the hub's `/mcp`, and the tool `echo` on `/mcp/spokes/bench`. Each row's
 * note gives the CPU per call of the process serving it (the hub; the SDK server for the floor) and of the
 * spoke, so a slower median shows whether the hub does more work per call or waits on its extra hop.
 *
 * Usage: bun scripts/bench/mcp-latency.ts [--windows 3] [--window-ms 5000] [--json]
 */

import {
  type BenchOptions,
  type BenchResult,
  type BenchRow,
  CLOCK_TICKS_PER_S,
  fmtRatio,
  fmtUs,
  formatSpread,
  parseBenchArgs,
  printRows,
  probeCall,
  progress,
  runLoad,
  spread,
  startSdkServer,
  startSpoke,
  UNREACHED,
  type WindowResult,
  withBench,
} from "./support/index.ts";

/** Most the hub's p50 may be, as a multiple of the direct SDK server's. */
const MAX_P50_RATIO = 1.3;

const p50s = (windows: WindowResult[][]) => spread(windows.flat().map((w) => w.p50Us));

/** Median CPU per call, in µs, of the process a run watched (`--watch-pid`). */
const cpuPerCallUs = (windows: WindowResult[][]) =>
  spread(windows.flat().map((w) => (w.cpuTicks * 1e6) / CLOCK_TICKS_PER_S / Math.max(1, w.calls))).median;

/** One run of the MCP client at 1 in flight: its p50s and the watched process's CPU per call. */
interface LatencyRun {
  p50: ReturnType<typeof spread>;
  cpuUs: number;
}

export async function measureMcpLatency(options: BenchOptions) {
  return withBench(async (ctx) => {
    const [redisUrl, db] = await Promise.all([ctx.redis(), ctx.database()]);
    // One key makes every call: per-key limits on, with ceilings the load never reaches.
    const { hub, token } = await ctx.launchHub({
      postgresUrl: db.url,
      redisUrl,
      extra: { limits: { perKey: UNREACHED } },
    });
    const spoke = await startSpoke(ctx.group, hub.wsUrl, token);
    await probeCall(hub.wsUrl, token, "bench.echo");
    const sdk = await startSdkServer(ctx.group);
    /** The client at 1 in flight against `url`, watching `pid`; the hub's runs go twice, the second watching the spoke. */
    const measure = async (url: string, extra: string[], pid: number, key?: string): Promise<LatencyRun> => {
      const windows = await runLoad(
        ctx.group,
        "mcp-client",
        [["--url", url, "--clients", "1", "--watch-pid", String(pid), ...extra]],
        key,
        options,
      );
      return { p50: p50s(windows), cpuUs: cpuPerCallUs(windows) };
    };
    const direct = await measure(sdk.url, ["--tool", "echo"], sdk.process.pid);
    progress(
      options,
      `SDK server direct: p50 ${fmtUs(direct.p50.median)}, ${fmtUs(direct.cpuUs)} CPU a call`,
    );
    const meta = await measure(`${hub.url}/mcp`, [], hub.pid, token);
    progress(
      options,
      `hub /mcp hub.call: p50 ${fmtUs(meta.p50.median)}, hub ${fmtUs(meta.cpuUs)} CPU a call`,
    );
    const perSpoke = await measure(`${hub.url}/mcp/spokes/bench`, ["--tool", "echo"], hub.pid, token);
    progress(
      options,
      `hub /mcp/spokes/bench: p50 ${fmtUs(perSpoke.p50.median)}, hub ${fmtUs(perSpoke.cpuUs)} CPU a call`,
    );
    const spokeCpuUs = (await measure(`${hub.url}/mcp/spokes/bench`, ["--tool", "echo"], spoke.pid, token))
      .cpuUs;
    return { direct, meta, perSpoke, spokeCpuUs };
  });
}

export function mcpLatencyRows(m: Awaited<ReturnType<typeof measureMcpLatency>>): BenchRow[] {
  const row = (label: string, hub: LatencyRun): BenchRow => ({
    what: `one MCP tool call at 1 in flight, ${label} (p50)`,
    target: `≤ ${MAX_P50_RATIO}× an SDK server`,
    hub: formatSpread(hub.p50, fmtUs),
    raw: formatSpread(m.direct.p50, fmtUs),
    ratio: fmtRatio(hub.p50.median / m.direct.p50.median),
    met: hub.p50.median <= MAX_P50_RATIO * m.direct.p50.median,
    data: { p50Us: hub.p50.median, directP50Us: m.direct.p50.median, hubCpuUs: hub.cpuUs },
    note:
      "the floor is the same echo tool served directly by the MCP SDK (one session, its defaults); CPU per call: " +
      `hub ${fmtUs(hub.cpuUs)} and its spoke ${fmtUs(m.spokeCpuUs)}, the SDK server ${fmtUs(m.direct.cpuUs)}`,
  });
  return [row("hub.call on /mcp", m.meta), row("direct tool on /mcp/spokes/<name>", m.perSpoke)];
}

/** Runs the benchmark; resolves with its rows. */
export async function run(options: BenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const rows = mcpLatencyRows(await measureMcpLatency(options));
  return { name: "mcp-latency", rows, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values } = parseBenchArgs(Bun.argv.slice(2), { json: { type: "boolean", default: false } });
  const result = await run(common);
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
