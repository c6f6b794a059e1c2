/**
 * Soak: mixed traffic against a compiled hub on Postgres and Redis for a while, sampling what would grow if
 * something leaked, and failing when any of it keeps growing over the second half (docs/reliability.md).
 *
 * Traffic: queries, streams, calls aborted mid-way, spokes joining and leaving, MCP sessions opened and left to
 * expire (or ended with DELETE). Samples, every `--sample-ms`: the hub's RSS and open file descriptors (from
 * /proc), and from /metrics the calls in flight (the pending-call table), MCP sessions and event-loop lag.
 *
 * Usage: bun scripts/soak.ts [--minutes 10] [--sample-ms 10000]   (needs dist/alkhub: `bun run build`)
 * tests/chaos/soak.test.ts runs it in a 2-minute form in CI.
 */
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { silentLogger } from "../src/log/index.ts";
import { connectSpoke, type Spoke } from "../src/sdk/index.ts";
import { openStore } from "../src/store/index.ts";
import { serveBinary, waitForReady } from "../tests/support/binary.ts";
import { writeHubFiles } from "../tests/support/hub-files.ts";
import { makeKey } from "../tests/support/mcp-client.ts";
import { startRedisServer } from "../tests/support/redis-server.ts";
import { connectTestSpoke, newHold, spokeOperations } from "../tests/support/spoke-kit.ts";

/** One sample of the hub's state. */
export interface SoakSample {
  /** Seconds since the traffic started. */
  atS: number;
  rssMiB: number;
  openFds: number;
  callsInFlight: number;
  mcpSessions: number;
  /** Mean event-loop lag over the last sampling interval, in ms (undefined when the hub does not export it). */
  loopLagMs: number | undefined;
}

/** How much a series may grow over the second half before it counts as growing without bound. */
const TOLERANCE: Record<Exclude<keyof SoakSample, "atS">, (mean: number) => number> = {
  rssMiB: (mean) => 0.1 * mean + 16,
  openFds: () => 16,
  callsInFlight: () => 32,
  mcpSessions: () => 16,
  loopLagMs: () => 25,
};

/** A series that grew past its tolerance over the second half, by the fitted line. */
export interface SoakGrowth {
  series: string;
  growth: number;
  tolerance: number;
}

/** What a soak measured, and what kept growing. */
export interface SoakResult {
  samples: SoakSample[];
  growing: SoakGrowth[];
  /** Calls, streams, aborts, spokes and MCP sessions the traffic made. */
  traffic: { calls: number; streams: number; aborts: number; spokes: number; mcpSessions: number };
  /** Calls that failed other than by the abort the traffic asked for. */
  unexpectedFailures: string[];
}

/** Least-squares slope of `ys` over `xs`. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** The series whose fitted growth over the second half of `samples` passes its tolerance. */
export function findGrowth(samples: SoakSample[]): SoakGrowth[] {
  const half = samples.slice(Math.floor(samples.length / 2));
  if (half.length < 3) return [];
  const xs = half.map((s) => s.atS);
  const span = (xs.at(-1) as number) - (xs[0] as number);
  const growing: SoakGrowth[] = [];
  for (const series of Object.keys(TOLERANCE) as Array<keyof typeof TOLERANCE>) {
    const ys = half.map((s) => s[series]);
    if (ys.some((y) => y === undefined)) continue;
    const values = ys as number[];
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const growth = slope(xs, values) * span;
    const tolerance = TOLERANCE[series](mean);
    if (growth > tolerance) growing.push({ series, growth, tolerance });
  }
  return growing;
}

/** Reads one unlabelled sample value (or the sum over its label sets) from a Prometheus text page. */
function metric(text: string, name: string): number | undefined {
  let found = false;
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== " " && line[name.length] !== "{")) continue;
    found = true;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return found ? sum : undefined;
}

/** Runs the soak for `durationMs`, sampling every `sampleMs`. */
export async function runSoak(options: { durationMs: number; sampleMs: number }): Promise<SoakResult> {
  const redis = await startRedisServer();
  const files = await writeHubFiles({
    mode: "services",
    redisUrl: redis.url,
    // One key drives all the traffic: its per-key rate and registration limits are raised to fit.
    extra: {
      mcp: { sessionIdleMs: 3000 },
      logging: { level: "error" },
      limits: { perKey: { callsPerSecond: 1_000_000, callBurst: 1_000_000, maxMcpSessions: 10_000 } },
      registration: { perKeyPerMinute: 1_000_000, perConnectionPerMinute: 1_000_000 },
    },
  });
  const store = await openStore({
    postgres: { url: files.database!.url, maxConnections: 2 },
    embedded: { dataDir: files.dir },
    log: silentLogger,
  });
  const hub = await serveBinary(files.configPath, files.keyPath);
  const spokes: Spoke[] = [];
  let running = true;
  const loops: Promise<void>[] = [];
  const traffic = { calls: 0, streams: 0, aborts: 0, spokes: 0, mcpSessions: 0 };
  const unexpectedFailures: string[] = [];
  const fail = (what: string) => (error: unknown) => {
    if (running && unexpectedFailures.length < 20) unexpectedFailures.push(`${what}: ${String(error)}`);
  };
  try {
    await waitForReady(hub, "the soak hub");
    const key = await makeKey({ store }, { scopes: ["spoke", "call", "read"], spokeNames: ["soak*"] });
    const wsUrl = `${hub.url.replace(/^http/, "ws")}/ws`;
    // Its slow.wait stays held for good: every call to it is one the traffic aborts.
    const server = await connectTestSpoke(wsUrl, key.key, "soak-server");
    const caller = await connectSpoke({ url: wsUrl, token: key.key, name: "soak-caller", operations: {} });
    spokes.push(server.spoke, caller);
    const every = (ms: number, work: () => Promise<unknown>) =>
      loops.push(
        (async () => {
          while (running) {
            await work();
            await Bun.sleep(ms);
          }
        })(),
      );
    every(2, async () => {
      await caller.call("soak-server.math.add", { a: 1, b: 2 }).catch(fail("call"));
      traffic.calls++;
    });
    every(20, async () => {
      for await (const _ of caller.subscribe("soak-server.count.up", { n: 50 }));
      traffic.streams++;
    });
    every(50, async () => {
      const signal = AbortSignal.timeout(20);
      await caller.call("soak-server.slow.wait", {}, { signal }).then(
        () => fail("abort")(new Error("slow.wait answered although it should have been aborted")),
        (error: { code?: string }) => {
          if (error.code !== "ABORTED") fail("abort")(error);
        },
      );
      traffic.aborts++;
    });
    every(500, async () => {
      const name = `soak-churn-${traffic.spokes}`;
      const joined = await connectSpoke({
        url: wsUrl,
        token: key.key,
        name,
        operations: spokeOperations(newHold()),
      });
      await Bun.sleep(300);
      await joined.close();
      traffic.spokes++;
    });
    every(250, async () => {
      await mcpSession(hub.url, key.key, traffic.mcpSessions % 2 === 0).catch(fail("mcp"));
      traffic.mcpSessions++;
    });

    const samples: SoakSample[] = [];
    const started = Date.now();
    let previousLag = { sum: 0, count: 0 };
    while (Date.now() - started < options.durationMs) {
      await Bun.sleep(Math.min(options.sampleMs, options.durationMs - (Date.now() - started)));
      const text = await (await fetch(`${hub.url}/metrics`)).text();
      const lagSum = metric(text, "alkhub_event_loop_lag_seconds_sum");
      const lagCount = metric(text, "alkhub_event_loop_lag_seconds_count");
      let loopLagMs: number | undefined;
      if (lagSum !== undefined && lagCount !== undefined) {
        const count = lagCount - previousLag.count;
        loopLagMs = count > 0 ? ((lagSum - previousLag.sum) / count) * 1000 : 0;
        previousLag = { sum: lagSum, count: lagCount };
      }
      const pid = hub.proc.pid;
      const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
      samples.push({
        atS: Math.round((Date.now() - started) / 100) / 10,
        rssMiB: Math.round(rssKiB / 102.4) / 10,
        openFds: readdirSync(`/proc/${pid}/fd`).length,
        callsInFlight: metric(text, "alkhub_calls_in_flight") ?? 0,
        mcpSessions: metric(text, "alkhub_mcp_sessions") ?? 0,
        loopLagMs,
      });
    }
    return { samples, growing: findGrowth(samples), traffic, unexpectedFailures };
  } finally {
    running = false;
    await Promise.all(loops.map((loop) => loop.catch(() => {})));
    for (const spoke of spokes) await spoke.close().catch(() => {});
    await hub.stop("SIGTERM");
    await store.close();
    await files.cleanup();
    await redis.stop();
  }
}

/** One MCP session: initialize, list tools, call one; then either DELETE it or leave it to expire. */
async function mcpSession(baseUrl: string, key: string, end: boolean): Promise<void> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${key}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  const post = (body: unknown) =>
    fetch(`${baseUrl}/mcp`, { method: "POST", headers, body: JSON.stringify(body) });
  const init = await post({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "soak", version: "1" } },
  });
  await init.text();
  const session = init.headers.get("mcp-session-id");
  if (!init.ok || !session) throw new Error(`initialize answered ${init.status}`);
  headers["mcp-session-id"] = session;
  headers["mcp-protocol-version"] = "2025-06-18";
  await (await post({ jsonrpc: "2.0", method: "notifications/initialized" })).text();
  const listed = await post({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
  await listed.text();
  if (!listed.ok) throw new Error(`tools/list answered ${listed.status}`);
  if (end) await (await fetch(`${baseUrl}/mcp`, { method: "DELETE", headers })).text();
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: "10" },
      "sample-ms": { type: "string", default: "10000" },
    },
  });
  const minutes = Number(values.minutes);
  const sampleMs = Number(values["sample-ms"]);
  if (!(minutes > 0) || !(sampleMs >= 1000)) {
    console.error("usage: bun scripts/soak.ts [--minutes N > 0] [--sample-ms N ≥ 1000]");
    process.exit(64);
  }
  console.error(`soak: ${minutes} min of mixed traffic, a sample every ${sampleMs / 1000} s`);
  const result = await runSoak({ durationMs: minutes * 60_000, sampleMs });
  console.log("| t (s) | RSS (MiB) | open fds | calls in flight | MCP sessions | loop lag (ms) |");
  console.log("|---:|---:|---:|---:|---:|---:|");
  for (const s of result.samples) {
    console.log(
      `| ${s.atS} | ${s.rssMiB} | ${s.openFds} | ${s.callsInFlight} | ${s.mcpSessions} | ${s.loopLagMs?.toFixed(2) ?? "—"} |`,
    );
  }
  console.log(`\ntraffic: ${JSON.stringify(result.traffic)}`);
  if (result.unexpectedFailures.length)
    console.log(`unexpected failures: ${result.unexpectedFailures.join("; ")}`);
  if (result.growing.length) {
    console.log(
      `GROWING: ${result.growing.map((g) => `${g.series} +${g.growth.toFixed(1)} (tolerance ${g.tolerance.toFixed(1)})`).join(", ")}`,
    );
    process.exit(1);
  }
  console.log("nothing grows over the second half");
}
