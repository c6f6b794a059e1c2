/**
 * `hub.call` over `/mcp` (issue #11 target: ≥ 15,000 calls/s with 50 clients, with sessions and stateless). Each client
 * opens one MCP session (initialize, notifications/initialized) and then POSTs `tools/call` of `hub.call` on the
 * echo spoke back to back; the clients are spread over several load processes. Measured twice on the hub: with
 * sessions (the hub answers a session's POST as it chooses: JSON or an event stream, reported) and stateless
 * (no session id: JSON responses). The floor is the raw relay's `POST /mcp`: the same JSON-RPC call relayed to
 * the same spoke over a WebSocket, answered as JSON.
 *
 * Usage: bun scripts/bench/mcp-call.ts [--clients 50] [--processes 2] [--windows 3] [--window-ms 5000] [--json]
 */

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
  runLoad,
  type Spread,
  spread,
  startRawRelay,
  startSpoke,
  UNREACHED,
  type WindowResult,
  withBench,
} from "./support/index.ts";

/** Least calls/s through /mcp. */
const MIN_CALLS_PER_SEC = 15_000;

/** Options of {@link run}. */
export interface McpCallOptions extends BenchOptions {
  /** Concurrent MCP clients, default 50. */
  clients?: number;
  /** Load processes the clients are spread over, default 2. */
  processes?: number;
}

interface McpMeasure {
  rate: Spread;
  p50: Spread;
  p99: Spread;
  errors: number;
  firstError?: string;
  contentType: string;
}

/** Sums the processes' windows index by index. */
function combine(perProcess: WindowResult[][]): McpMeasure {
  const windows = perProcess[0]!.map((_, i) => perProcess.map((p) => p[i]!));
  const all = perProcess.flat();
  return {
    rate: spread(windows.map((ws) => ws.reduce((n, w) => n + w.callsPerSec, 0))),
    // The processes' percentiles weighted by their calls: close enough for p50/p99 of similar processes.
    p50: spread(
      windows.map(
        (ws) =>
          ws.reduce((n, w) => n + w.p50Us * w.calls, 0) /
          Math.max(
            1,
            ws.reduce((n, w) => n + w.calls, 0),
          ),
      ),
    ),
    p99: spread(windows.map((ws) => Math.max(...ws.map((w) => w.p99Us)))),
    errors: all.reduce((n, w) => n + w.errors, 0),
    firstError: all.find((w) => w.firstError)?.firstError,
    contentType: all.find((w) => w.contentType)?.contentType ?? "",
  };
}

export async function measureMcp(options: McpCallOptions) {
  const clients = options.clients ?? 50;
  const processes = Math.min(options.processes ?? 2, clients);
  const split = (url: string, extra: string[]) =>
    Array.from({ length: processes }, (_, i) => [
      ...[
        "--url",
        url,
        "--clients",
        String(Math.floor(clients / processes) + (i < clients % processes ? 1 : 0)),
      ],
      ...extra,
    ]);
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
    const raw = await startRawRelay(ctx.group);
    await startSpoke(ctx.group, raw.wsUrl, undefined);
    const rawResult = combine(
      await runLoad(ctx.group, "mcp-client", split(`${raw.url}/mcp`, []), undefined, options),
    );
    progress(options, `raw POST /mcp: ${fmtInt(rawResult.rate.median)}/s`);
    const session = combine(
      await runLoad(ctx.group, "mcp-client", split(`${hub.url}/mcp`, []), token, options),
    );
    progress(options, `hub /mcp sessions: ${fmtInt(session.rate.median)}/s (${session.contentType})`);
    const stateless = combine(
      await runLoad(ctx.group, "mcp-client", split(`${hub.url}/mcp`, ["--stateless"]), token, options),
    );
    progress(options, `hub /mcp stateless: ${fmtInt(stateless.rate.median)}/s (${stateless.contentType})`);
    return { clients, processes, raw: rawResult, session, stateless };
  });
}

export function mcpRows(m: Awaited<ReturnType<typeof measureMcp>>): BenchRow[] {
  const row = (label: string, hub: McpMeasure): BenchRow => ({
    what: `hub.call over /mcp, ${m.clients} clients, ${label} (calls/s)`,
    target: "≥ 15,000 calls/s",
    hub: formatSpread(hub.rate, fmtInt),
    raw: formatSpread(m.raw.rate, fmtInt),
    ratio: fmtRatio(hub.rate.median / m.raw.rate.median),
    met: hub.rate.median >= MIN_CALLS_PER_SEC && hub.errors === 0,
    data: {
      callsPerSec: hub.rate.median,
      rawCallsPerSec: m.raw.rate.median,
      p50Us: hub.p50.median,
      p99Us: hub.p99.median,
    },
    note:
      `answered as ${hub.contentType || "?"}; p50 ${fmtUs(hub.p50.median)}, p99 ${fmtUs(hub.p99.median)} ` +
      `(raw ${fmtUs(m.raw.p50.median)}, ${fmtUs(m.raw.p99.median)})` +
      (hub.errors > 0 ? `; ${hub.errors} errors, first: ${hub.firstError}` : ""),
  });
  return [row("one session each", m.session), row("stateless (JSON responses)", m.stateless)];
}

/** Runs the benchmark; resolves with its rows. */
export async function run(options: McpCallOptions): Promise<BenchResult> {
  const started = performance.now();
  const rows = mcpRows(await measureMcp(options));
  return { name: "mcp-call", rows, seconds: (performance.now() - started) / 1000 };
}

if (import.meta.main) {
  const { common, values, int } = parseBenchArgs(Bun.argv.slice(2), {
    clients: { type: "string", default: "50" },
    processes: { type: "string", default: "2" },
    json: { type: "boolean", default: false },
  });
  const result = await run({ ...common, clients: int("clients"), processes: int("processes") });
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else printRows(result.rows);
}
