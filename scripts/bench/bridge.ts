/**
 * The bridge's cost (issue #15 target: ≥ 0.8× the throughput of calling the same stdio MCP server directly, and
 * ≤ 1 ms more at the median). Direct: the SDK's `Client` over stdio to the "everything" server's `echo` tool.
 * Through the bridge: a caller on the hub's `/ws` (the SDK's `spoke.call`, the path `hub.call` relays on) calls
 * `ev.echo` → compiled hub → `alkhub bridge` (compiled binary) → the same server over stdio. Throughput is
 * measured with `--concurrency` calls in flight; the median with one call at a time. The throughput row's note gives
 * each process's CPU per call (from /proc), so that a gap shows which hop costs what, and for reference the same
 * caller through the hub to an SDK spoke (load/sdk-spoke.ts). The bridged path does that relay's work and the
 * direct path's (the bridge is an SDK spoke and an MCP client), so on a machine whose cores all the processes
 * share it cannot pass cores ÷ (relay + direct CPU per call) calls/s: the note gives that ceiling and how many
 * cores each path kept busy.
 *
 * Usage: bun scripts/bench/bridge.ts [--concurrency 16] [--windows 3] [--window-ms 5000] [--warmup-ms 2000]
 * Needs the compiled binary (`bun scripts/build.ts`) and Postgres on 127.0.0.1:5432.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { eventually } from "../../tests/support/eventually.ts";
import { EVERYTHING_JS, NODE } from "../../tests/support/mcp-servers.ts";
import {
  type BenchOptions,
  type BenchProcess,
  type BenchResult,
  type BenchRow,
  CLOCK_TICKS_PER_S,
  childPids,
  cpuTicks,
  fmtInt,
  fmtRatio,
  fmtUs,
  formatSpread,
  Histogram,
  type ProcessGroup,
  parseBenchArgs,
  printRows,
  progress,
  requireBinary,
  spread,
  startRawRelay,
  startSpoke,
  UNREACHED,
  withBench,
} from "./support/index.ts";

/** Least share of the direct throughput the bridged path keeps. */
const MIN_THROUGHPUT_RATIO = 0.8;
/** Most the bridge may add to the median, in µs. */
const MAX_P50_OVERHEAD_US = 1000;

export interface BridgeBenchOptions extends BenchOptions {
  /** Calls in flight for the throughput windows, default 16. */
  concurrency?: number;
}

type CallFn = () => Promise<unknown>;

/** A path to measure: its call, and the processes whose CPU it uses (`"self"` is this process). */
interface Path {
  call: CallFn;
  processes: Record<string, number | "self">;
}

interface Measure {
  rates: number[];
  p50s: number[];
  /** Per process, its CPU per call (µs) in each window. */
  cpuUs: Record<string, number[]>;
}

/** CPU time of `pid` so far, in µs. */
function cpuUsOf(pid: number | "self"): number {
  if (pid === "self") {
    const { user, system } = process.cpuUsage();
    return user + system;
  }
  return (cpuTicks(pid) * 1e6) / CLOCK_TICKS_PER_S;
}

/** `inFlight` workers calling back to back while `active()` holds; one histogram per window. */
class Load {
  readonly #histogram = new Histogram();
  #count = 0;
  #running = true;
  #failure: unknown;
  readonly #workers: Promise<void>[];

  constructor(call: CallFn, inFlight: number) {
    const worker = async () => {
      while (this.#running) {
        const started = performance.now();
        try {
          await call();
        } catch (error) {
          this.#failure ??= error;
          this.#running = false;
          return;
        }
        this.#histogram.record((performance.now() - started) * 1000);
        this.#count++;
      }
    };
    this.#workers = Array.from({ length: inFlight }, worker);
  }

  /** Calls/s, p50 (µs) and each of `processes`' CPU per call (µs) from now for `ms`. */
  async window(
    ms: number,
    processes: Path["processes"],
  ): Promise<{ rate: number; p50: number; cpuUs: Record<string, number> }> {
    this.#histogram.reset();
    this.#count = 0;
    const before = Object.entries(processes).map(([name, pid]) => ({ name, pid, us: cpuUsOf(pid) }));
    const started = performance.now();
    await Bun.sleep(ms);
    const seconds = (performance.now() - started) / 1000;
    const calls = this.#count;
    const cpuUs = Object.fromEntries(
      before.map(({ name, pid, us }) => [name, (cpuUsOf(pid) - us) / Math.max(1, calls)]),
    );
    if (this.#failure) throw this.#failure;
    return { rate: calls / seconds, p50: this.#histogram.percentile(0.5), cpuUs };
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#workers);
  }
}

/**
 * The paths' windows alternate (direct, bridged, direct, …), each path running alone in its window, so that a
 * machine whose load drifts affects all alike.
 */
async function measurePaths<K extends string>(
  paths: Record<K, Path>,
  inFlight: number,
  options: BenchOptions,
): Promise<Record<K, Measure>> {
  const names = Object.keys(paths) as K[];
  const result = Object.fromEntries(
    names.map((name) => [name, { rates: [], p50s: [], cpuUs: {} } as Measure]),
  ) as Record<K, Measure>;
  for (let w = -1; w < options.windows; w++) {
    for (const name of names) {
      const path = paths[name];
      const load = new Load(path.call, inFlight);
      // Window -1 is the warm-up.
      const { rate, p50, cpuUs } = await load.window(
        w < 0 ? options.warmupMs : options.windowMs,
        path.processes,
      );
      await load.stop();
      if (w < 0) continue;
      const measure = result[name];
      measure.rates.push(rate);
      measure.p50s.push(p50);
      for (const [process, us] of Object.entries(cpuUs)) {
        measure.cpuUs[process] = [...(measure.cpuUs[process] ?? []), us];
      }
    }
  }
  return result;
}

/** Each process's median CPU per call, in µs. */
function cpuMedians(measure: Measure): [string, number][] {
  return Object.entries(measure.cpuUs).map(([name, us]) => [name, spread(us).median]);
}

/** The CPU per call of all the path's processes together, in µs. */
function cpuTotal(measure: Measure): number {
  return cpuMedians(measure).reduce((sum, [, us]) => sum + us, 0);
}

/** "client 18 µs, server 22 µs (40 µs in all)": each process's median CPU per call. */
function cpuNote(measure: Measure): string {
  const each = cpuMedians(measure).map(([name, us]) => `${name} ${fmtUs(us)}`);
  return `${each.join(", ")} (${fmtUs(cpuTotal(measure))} in all)`;
}

/** `alkhub bridge` (the compiled binary) for the everything server as spoke `ev` of the hub or relay at `wsUrl`. */
function spawnBridge(
  group: ProcessGroup,
  name: string,
  binary: string,
  wsUrl: string,
  keyFile: string,
  dir: string,
) {
  return group.spawn(
    name,
    [
      binary,
      "bridge",
      "--url",
      wsUrl,
      "--key-file",
      keyFile,
      "--name",
      "ev",
      "--",
      NODE,
      EVERYTHING_JS,
      "stdio",
    ],
    {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      cwd: dir,
      stderrFile: join(dir, `${name.replaceAll(" ", "-")}.log`),
    },
  );
}

/** The process id of a bridge's MCP server. */
function serverPid(bridge: BenchProcess): number {
  const server = childPids(bridge.pid)[0];
  if (server === undefined) throw new Error("the bridge has no child process");
  return server;
}

async function directClient(): Promise<Path & { close(): Promise<void> }> {
  const client = new Client({ name: "bench-direct", version: "1" });
  const transport = new StdioClientTransport({
    command: NODE,
    args: [EVERYTHING_JS, "stdio"],
    stderr: "ignore",
  });
  await client.connect(transport);
  const server = transport.pid;
  if (server === null) throw new Error("the direct server has no pid");
  return {
    call: () => client.callTool({ name: "echo", arguments: { message: "bench" } }),
    processes: { client: "self", server },
    close: () => client.close(),
  };
}

export async function run(options: BridgeBenchOptions): Promise<BenchResult> {
  const started = performance.now();
  const concurrency = options.concurrency ?? 16;
  const binary = requireBinary();
  return withBench(async (ctx) => {
    progress(options, "direct: SDK client → everything server (stdio)");
    const direct = await directClient();
    ctx.defer(() => direct.close());
    progress(options, "bridged: /ws caller → hub → alkhub bridge → everything server (stdio)");
    const database = await ctx.database();
    // One key makes every call: per-key limits on, with ceilings the load never reaches (the default 1,000
    // calls/s per key would cap the bench, not the bridge).
    const { hub, files, token } = await ctx.launchHub({
      postgresUrl: database.url,
      audit: true,
      extra: { limits: { perKey: UNREACHED } },
    });
    const keyFile = join(files.dir, "bridge.key");
    writeFileSync(keyFile, `${token}\n`, { mode: 0o600 });
    const bridge = spawnBridge(ctx.group, "bridge", binary, hub.wsUrl, keyFile, files.dir);
    progress(options, "reference: the same bridge behind the raw relay (raw-relay.ts) in the hub's place");
    const raw = await startRawRelay(ctx.group);
    const rawBridge = spawnBridge(ctx.group, "raw bridge", binary, raw.wsUrl, keyFile, files.dir);
    const rawCaller: Spoke = await connectSpoke({
      url: raw.wsUrl,
      token,
      name: "benchcaller",
      operations: {},
    });
    ctx.defer(() => rawCaller.close());
    progress(options, "reference: /ws caller → hub → SDK spoke (load/sdk-spoke.ts)");
    const sdkSpoke = await startSpoke(ctx.group, hub.wsUrl, token, "sdkecho", "sdk-spoke.ts");
    const caller: Spoke = await connectSpoke({ url: hub.wsUrl, token, name: "benchcaller", operations: {} });
    ctx.defer(() => caller.close());
    // A call that goes through says the bridge registered (the raw relay has no hub.schema to ask).
    for (const [spoke, where] of [
      [caller, "the hub"],
      [rawCaller, "the raw relay"],
    ] as const) {
      await eventually(() => spoke.call("ev.echo", { message: "ready" }), {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `the bridge to register ev.echo at ${where}`,
      });
    }
    const bridged: Path = {
      call: () => caller.call("ev.echo", { message: "bench" }),
      processes: { caller: "self", hub: hub.pid, bridge: bridge.pid, server: serverPid(bridge) },
    };
    const bridgedRaw: Path = {
      call: () => rawCaller.call("ev.echo", { message: "bench" }),
      processes: {
        caller: "self",
        relay: raw.process.pid,
        bridge: rawBridge.pid,
        server: serverPid(rawBridge),
      },
    };
    const relay: Path = {
      call: () => caller.call("sdkecho.echo", { text: "bench" }),
      processes: { caller: "self", hub: hub.pid, spoke: sdkSpoke.pid },
    };
    progress(options, `throughput, ${concurrency} in flight, windows alternating`);
    const tput = await measurePaths({ direct, bridged, bridgedRaw, relay }, concurrency, options);
    progress(options, `CPU per call — direct: ${cpuNote(tput.direct)}; bridged: ${cpuNote(tput.bridged)}`);
    progress(options, "one call at a time, windows alternating");
    const seq = await measurePaths({ direct, bridged }, 1, options);
    const { direct: directTput, bridged: bridgedTput, bridgedRaw: bridgedRawTput, relay: relayTput } = tput;
    const { direct: directSeq, bridged: bridgedSeq } = seq;

    const directRate = spread(directTput.rates).median;
    const bridgedRate = spread(bridgedTput.rates).median;
    const ratio = bridgedRate / directRate;
    const bridgedRawRate = spread(bridgedRawTput.rates).median;
    // The bridged path does the relay's work and the direct path's: even at their CPU per call, and with every
    // core busy all the time, it cannot do more than this.
    const cores = availableParallelism();
    const ceiling = (cores * 1e6) / (cpuTotal(directTput) + cpuTotal(relayTput));
    const coresBusy = (rate: number, measure: Measure) => ((rate * cpuTotal(measure)) / 1e6).toFixed(2);
    const overheadUs = spread(bridgedSeq.p50s).median - spread(directSeq.p50s).median;
    const rows: BenchRow[] = [
      {
        what: `bridge throughput, ${concurrency} in flight (calls/s)`,
        target: `≥ ${MIN_THROUGHPUT_RATIO}× direct`,
        hub: formatSpread(spread(bridgedTput.rates), fmtInt),
        raw: formatSpread(spread(directTput.rates), fmtInt),
        ratio: fmtRatio(ratio),
        met: ratio >= MIN_THROUGHPUT_RATIO,
        data: {
          bridged: bridgedTput.rates,
          direct: directTput.rates,
          bridgedCpuUs: bridgedTput.cpuUs,
          directCpuUs: directTput.cpuUs,
          relay: relayTput.rates,
          relayCpuUs: relayTput.cpuUs,
          bridgedRaw: bridgedRawTput.rates,
          bridgedRawCpuUs: bridgedRawTput.cpuUs,
          ceiling,
        },
        note:
          `CPU per call (/proc) — direct: ${cpuNote(directTput)}, ${coresBusy(directRate, directTput)} cores ` +
          `busy; bridged: ${cpuNote(bridgedTput)}, ${coresBusy(bridgedRate, bridgedTput)} cores busy. For ` +
          "reference, the same caller through the hub to an SDK spoke (load/sdk-spoke.ts): " +
          `${formatSpread(spread(relayTput.rates), fmtInt)} calls/s, ${cpuNote(relayTput)}. The bridged path ` +
          "does that relay's work and the direct path's, so even at their CPU per call and with all " +
          `${cores} cores busy all the time it could not pass ${fmtInt(ceiling)} calls/s ` +
          `(${fmtRatio(ceiling / directRate)} direct). With the raw relay (raw-relay.ts: no auth, validation, ` +
          `audit or limits) in the hub's place the bridged path does ${formatSpread(spread(bridgedRawTput.rates), fmtInt)} ` +
          `calls/s (${fmtRatio(bridgedRawRate / directRate)} direct), ${cpuNote(bridgedRawTput)}`,
      },
      {
        what: "bridge p50, one call at a time",
        target: "≤ +1 ms",
        hub: formatSpread(spread(bridgedSeq.p50s), fmtUs),
        raw: formatSpread(spread(directSeq.p50s), fmtUs),
        ratio: `+${fmtUs(Math.max(0, overheadUs))}`,
        met: overheadUs <= MAX_P50_OVERHEAD_US,
        data: { bridged: bridgedSeq.p50s, direct: directSeq.p50s, overheadUs },
      },
    ];
    return { name: "bridge", rows, seconds: (performance.now() - started) / 1000 };
  });
}

if (import.meta.main) {
  const { common, int } = parseBenchArgs(Bun.argv.slice(2), {
    concurrency: { type: "string", default: "16" },
  });
  const result = await run({ ...common, concurrency: int("concurrency") });
  printRows(result.rows);
}
