/**
 * One MCP tool call at 1 in flight (issue #11 target: hub p50 ≤ 1.3× the same tool served directly by an SDK
 * server). One client with one session calls, back to back: `echo` on an SDK server (load/sdk-server.ts, the
 * floor), `hub.call` of `bench.echo` on the hub's `/mcp`, and the tool `echo` on `/mcp/spokes/bench`.
 *
 * Usage: bun scripts/bench/mcp-latency.ts [--windows 3] [--window-ms 5000] [--json]
 */

import {
  type BenchOptions,
  type BenchResult,
  type BenchRow,
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

export async function measureMcpLatency(options: BenchOptions) {
  return withBench(async (ctx) => {
    const [redisUrl, db] = await Promise.all([ctx.redis(), ctx.database()]);
    // One key makes every call: per-key limits on, with ceilings the load never reaches.
    const { hub, token } = await ctx.launchHub({
      postgresUrl: db.url,
      redisUrl,
      extra: { limits: { perKey: UNREACHED } },
    });
    await startSpoke(ctx.group, hub.wsUrl, token);
    await probeCall(hub.wsUrl, token, "bench.echo");
    const sdk = await startSdkServer(ctx.group);
    const one = (url: string, extra: string[]) => [["--url", url, "--clients", "1", ...extra]];
    const direct = p50s(
      await runLoad(ctx.group, "mcp-client", one(sdk.url, ["--tool", "echo"]), undefined, options),
    );
    progress(options, `SDK server direct: p50 ${fmtUs(direct.median)}`);
    const meta = p50s(await runLoad(ctx.group, "mcp-client", one(`${hub.url}/mcp`, []), token, options));
    progress(options, `hub /mcp hub.call: p50 ${fmtUs(meta.median)}`);
    const perSpoke = p50s(
      await runLoad(
        ctx.group,
        "mcp-client",
        one(`${hub.url}/mcp/spokes/bench`, ["--tool", "echo"]),
        token,
        options,
      ),
    );
    progress(options, `hub /mcp/spokes/bench: p50 ${fmtUs(perSpoke.median)}`);
    return { direct, meta, perSpoke };
  });
}

export function mcpLatencyRows(m: Awaited<ReturnType<typeof measureMcpLatency>>): BenchRow[] {
  const row = (label: string, hub: ReturnType<typeof spread>): BenchRow => ({
    what: `one MCP tool call at 1 in flight, ${label} (p50)`,
    target: `≤ ${MAX_P50_RATIO}× an SDK server`,
    hub: formatSpread(hub, fmtUs),
    raw: formatSpread(m.direct, fmtUs),
    ratio: fmtRatio(hub.median / m.direct.median),
    met: hub.median <= MAX_P50_RATIO * m.direct.median,
    data: { p50Us: hub.median, directP50Us: m.direct.median },
    note: "the floor is the same echo tool served directly by the MCP SDK (one session, its defaults)",
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
