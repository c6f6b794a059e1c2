/** Starting the raw relay and the load processes of `scripts/bench/load/`, and reading what they report. */
import { join } from "node:path";
import { type BenchProcess, bunScript, type ProcessGroup } from "./procs.ts";
import { benchSocket } from "./socket.ts";

const BENCH_DIR = join(import.meta.dir, "..");
/** How long a relay, spoke or fleet gets to come up. */
const READY_TIMEOUT_MS = 15_000;

/** One measured window as the caller reports it. */
export interface WindowResult {
  window: number;
  calls: number;
  errors: number;
  seconds: number;
  callsPerSec: number;
  p50Us: number;
  p99Us: number;
  /** utime+stime of the watched process over the window, in clock ticks (0 without --watch-pid). */
  cpuTicks: number;
  firstError?: string;
  /** Content type of the answers (MCP load only). */
  contentType?: string;
}

/** Windows of one measurement. */
export interface WindowOptions {
  warmupMs: number;
  windows: number;
  windowMs: number;
}

const baseEnv = (token?: string): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  ...(token ? { BENCH_TOKEN: token } : {}),
});

/** Starts `raw-relay.ts` in its own process; resolves with its ws URL once it listens. */
export async function startRawRelay(
  group: ProcessGroup,
): Promise<{ process: BenchProcess; url: string; wsUrl: string }> {
  const process = group.spawn("raw relay", bunScript(join(BENCH_DIR, "raw-relay.ts")), { env: baseEnv() });
  const line = await process.waitForLine((l) => l.startsWith("listening "), READY_TIMEOUT_MS);
  const port = Number(line.split(" ")[1]);
  return { process, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws` };
}

/** Starts the `echo` tool served directly by the MCP SDK (load/sdk-server.ts); resolves with its MCP URL. */
export async function startSdkServer(group: ProcessGroup): Promise<{ process: BenchProcess; url: string }> {
  const process = group.spawn("sdk server", bunScript(join(BENCH_DIR, "load", "sdk-server.ts")), {
    env: baseEnv(),
  });
  const line = await process.waitForLine((l) => l.startsWith("listening "), READY_TIMEOUT_MS);
  return { process, url: `http://127.0.0.1:${Number(line.split(" ")[1])}/mcp` };
}

/** What a fleet of `load/spoke-fleet.ts` processes holds: `spokes` spokes of `ops` operations each. */
export interface SpokeFleets {
  wsUrl: string;
  token: string | undefined;
  spokes: number;
  ops: number;
  processes: number;
  /** Spoke names start with this (then the process number and `x`). */
  prefix: string;
  /** Connect without registering. */
  connectOnly?: boolean;
}

/** Starts the fleet processes, the spokes shared out evenly; each prints a `{"ready"…}` line when done. */
export function startSpokeFleets(group: ProcessGroup, fleet: SpokeFleets): BenchProcess[] {
  return Array.from({ length: fleet.processes }, (_, i) => {
    const count = Math.floor(fleet.spokes / fleet.processes) + (i < fleet.spokes % fleet.processes ? 1 : 0);
    const args = [
      ...["--url", fleet.wsUrl, "--count", String(count), "--prefix", `${fleet.prefix}${i}x`],
      ...["--ops", String(fleet.ops), ...(fleet.connectOnly ? ["--connect-only"] : [])],
    ];
    return group.spawn(
      `fleet ${fleet.prefix}${i}`,
      bunScript(join(BENCH_DIR, "load", "spoke-fleet.ts"), args),
      {
        env: baseEnv(fleet.token),
      },
    );
  });
}

/**
 * Starts one echo spoke named `name` on `wsUrl` — raw frames (`spoke.ts`, the cheapest a spoke can be) or the
 * SDK (`sdk-spoke.ts`); resolves once it is registered.
 */
export async function startSpoke(
  group: ProcessGroup,
  wsUrl: string,
  token: string | undefined,
  name = "bench",
  script: "spoke.ts" | "sdk-spoke.ts" = "spoke.ts",
): Promise<BenchProcess> {
  const spoke = group.spawn(
    `spoke ${name}`,
    bunScript(join(BENCH_DIR, "load", script), ["--url", wsUrl, "--name", name]),
    {
      env: baseEnv(token),
    },
  );
  await spoke.waitForLine((l) => l === "registered", READY_TIMEOUT_MS);
  return spoke;
}

/** Options of one caller run. */
export interface CallerRun extends WindowOptions {
  wsUrl: string;
  token?: string;
  operation?: string;
  inFlight: number;
  connections: number;
  /** Process whose CPU time is read at each window's edges. */
  watchPid?: number;
  /** Burst mode: each window is exactly this many calls. */
  calls?: number;
  /** Burst mode: the pause after the warm-up burst (default 200 ms). */
  pauseMs?: number;
}

/** Runs the caller load process to completion; resolves with its windows (rejects if it fails). */
export async function runCaller(group: ProcessGroup, run: CallerRun): Promise<WindowResult[]> {
  const args = [
    ...["--url", run.wsUrl, "--operation", run.operation ?? "bench.echo"],
    ...["--in-flight", String(run.inFlight), "--connections", String(run.connections)],
    ...(run.watchPid === undefined ? [] : ["--watch-pid", String(run.watchPid)]),
    ...(run.calls === undefined ? [] : ["--calls", String(run.calls)]),
    ...(run.pauseMs === undefined ? [] : ["--pause-ms", String(run.pauseMs)]),
  ];
  const [windows] = await runLoad(group, "caller", [args], run.token, run);
  return windows!;
}

/**
 * Runs `load/<script>.ts` once per entry of `argsPerProcess` (each with the window options appended), all at
 * once; resolves with each process's windows once all are done (rejects if one fails).
 */
export async function runLoad(
  group: ProcessGroup,
  script: string,
  argsPerProcess: string[][],
  token: string | undefined,
  windows: WindowOptions,
): Promise<WindowResult[][]> {
  const windowArgs = [
    ...["--warmup-ms", String(windows.warmupMs), "--windows", String(windows.windows)],
    ...["--window-ms", String(windows.windowMs)],
  ];
  const budgetMs = windows.warmupMs + windows.windows * (windows.windowMs + 1000) + 60_000;
  const procs = argsPerProcess.map((args, i) =>
    group.spawn(
      `${script} ${i}`,
      bunScript(join(BENCH_DIR, "load", `${script}.ts`), [...args, ...windowArgs]),
      {
        env: baseEnv(token),
      },
    ),
  );
  return Promise.all(
    procs.map(async (p) => {
      await p.waitForLine((l) => l.includes('"done":true'), budgetMs);
      const code = await p.finish(5000);
      const results = p.lines
        .filter((l) => l.startsWith('{"window"'))
        .map((l) => JSON.parse(l) as WindowResult);
      if (code !== 0 || results.length !== windows.windows) {
        throw new Error(
          `${p.name} exited with ${code} after ${results.length}/${windows.windows} windows: ${p.stderrTail()}`,
        );
      }
      return results;
    }),
  );
}

/**
 * Calls `operation` on `wsUrl` until one call succeeds (another instance may not see a spoke at once); rejects
 * with the last error after `timeoutMs`.
 */
export async function probeCall(
  wsUrl: string,
  token: string | undefined,
  operation: string,
  timeoutMs = 10_000,
): Promise<void> {
  const ws = benchSocket(wsUrl, token);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`probe: could not connect to ${wsUrl}`));
  });
  const deadline = performance.now() + timeoutMs;
  let last = "";
  try {
    for (let i = 0; performance.now() < deadline; i++) {
      const id = `probe-${i}`;
      const answer = new Promise<{ type: string; payload: unknown }>((resolve) => {
        ws.onmessage = (event) => resolve(JSON.parse(event.data as string));
      });
      ws.send(
        JSON.stringify({
          type: "call.requested",
          id,
          payload: { requestId: id, operation, input: { text: "probe" } },
        }),
      );
      const frame = await Promise.race([
        answer,
        Bun.sleep(2000).then(() => ({ type: "timeout", payload: {} })),
      ]);
      if (frame.type === "call.responded") return;
      last = `${frame.type} ${JSON.stringify(frame.payload).slice(0, 200)}`;
      await Bun.sleep(50);
    }
    throw new Error(
      `probe: ${operation} on ${wsUrl} did not succeed within ${timeoutMs} ms; last answer: ${last}`,
    );
  } finally {
    ws.close(1000);
  }
}
