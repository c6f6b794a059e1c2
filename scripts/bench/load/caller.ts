/**
 * Load generator: keeps `--in-flight` calls of `--operation` in flight over `--connections` WebSockets (call
 * slot i uses connection i mod K), warms up, then reports each measured window as one JSON line on stdout:
 * `{"window":i,"calls":n,"errors":e,"seconds":s,"callsPerSec":r,"p50Us":…,"p99Us":…,"cpuTicks":t}`.
 * With `--watch-pid`, `cpuTicks` is that process's utime+stime over the window (read here, at the exact
 * window edges). With `--calls C` each window is a burst of exactly C calls instead of `--window-ms` of time.
 * The API key comes from $BENCH_TOKEN (never argv); without it no Authorization header is sent (raw relay).
 * Stops by itself after the last window, or after `--max-seconds` whatever happens.
 *
 * Usage: bun scripts/bench/load/caller.ts --url ws://127.0.0.1:P/ws --operation bench.echo [--in-flight 64]
 *          [--connections 1] [--warmup-ms 2000] [--windows 3] [--window-ms 5000] [--calls C] [--watch-pid P]
 *          [--pause-ms 200]   (with --calls: the pause after the warm-up burst and between bursts)
 */
import { parseArgs } from "node:util";
import { benchSocket, cpuTicks, Histogram } from "../support/index.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    operation: { type: "string", default: "bench.echo" },
    "in-flight": { type: "string", default: "64" },
    connections: { type: "string", default: "1" },
    "warmup-ms": { type: "string", default: "2000" },
    windows: { type: "string", default: "3" },
    "window-ms": { type: "string", default: "5000" },
    calls: { type: "string" },
    "watch-pid": { type: "string" },
    "max-seconds": { type: "string", default: "600" },
    "pause-ms": { type: "string", default: "200" },
  },
});
if (!values.url) throw new Error("caller: --url is required");
const IN_FLIGHT = Number(values["in-flight"]);
const CONNECTIONS = Number(values.connections);
const WINDOWS = Number(values.windows);
const WINDOW_MS = Number(values["window-ms"]);
const WARMUP_MS = Number(values["warmup-ms"]);
const BURST = values.calls === undefined ? undefined : Number(values.calls);
const WATCH = values["watch-pid"] === undefined ? undefined : Number(values["watch-pid"]);
setTimeout(() => {
  console.error(`caller: --max-seconds ${values["max-seconds"]} reached, exiting`);
  process.exit(2);
}, Number(values["max-seconds"]) * 1000).unref();

const token = process.env.BENCH_TOKEN;
const sockets = await Promise.all(
  Array.from({ length: CONNECTIONS }, () => {
    const ws = benchSocket(values.url!, token);
    return new Promise<WebSocket>((resolve, reject) => {
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error(`caller: could not connect to ${values.url}`));
    });
  }),
);

const histogram = new Histogram();
let completed = 0;
let errors = 0;
let firstError = "";
/** Calls still to send in this burst (burst mode), or Infinity (time mode). */
let budget = Number.POSITIVE_INFINITY;
let stopping = false;
let inFlight = 0;
let onIdle: (() => void) | undefined;
let nextId = 0;
const started = new Map<string, number>();
const input = JSON.stringify({ text: "hello, hub" });
const operation = JSON.stringify(values.operation);

function send(slot: number): void {
  if (stopping || budget <= 0) {
    if (inFlight === 0) onIdle?.();
    return;
  }
  budget--;
  inFlight++;
  const id = `c${++nextId}.${slot}`;
  started.set(id, performance.now());
  sockets[slot % CONNECTIONS]!.send(
    `{"type":"call.requested","id":"${id}","payload":{"requestId":"${id}","operation":${operation},"input":${input}}}`,
  );
}

for (const ws of sockets) {
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data as string) as {
      type: string;
      payload: { requestId: string; message?: string };
    };
    const id = frame.payload.requestId;
    const t0 = started.get(id);
    if (t0 === undefined) return;
    started.delete(id);
    inFlight--;
    if (frame.type === "call.responded") {
      completed++;
      histogram.record((performance.now() - t0) * 1000);
    } else {
      errors++;
      firstError ||= `${frame.type}: ${JSON.stringify(frame.payload).slice(0, 300)}`;
    }
    send(Number(id.slice(id.indexOf(".") + 1)));
  };
  ws.onclose = (event) => {
    if (!stopping) {
      console.error(`caller: connection closed ${event.code} ${event.reason}`);
      process.exit(3);
    }
  };
}

function startSlots(): void {
  for (let slot = 0; slot < IN_FLIGHT; slot++) send(slot);
}

function report(window: number, seconds: number, ticks: number): void {
  const line = {
    window,
    calls: completed,
    errors,
    seconds,
    callsPerSec: completed / seconds,
    p50Us: histogram.percentile(0.5),
    p99Us: histogram.percentile(0.99),
    cpuTicks: ticks,
    firstError: firstError || undefined,
  };
  console.log(JSON.stringify(line));
  if (errors > 0) console.error(`caller: ${errors} errors in window ${window}; first: ${firstError}`);
}

function resetCounters(): void {
  histogram.reset();
  completed = 0;
  errors = 0;
  firstError = "";
}

const readTicks = () => (WATCH === undefined ? 0 : cpuTicks(WATCH));

if (BURST === undefined) {
  startSlots();
  await Bun.sleep(WARMUP_MS);
  for (let w = 0; w < WINDOWS; w++) {
    resetCounters();
    const ticks0 = readTicks();
    const t0 = performance.now();
    await Bun.sleep(WINDOW_MS);
    const seconds = (performance.now() - t0) / 1000;
    report(w, seconds, readTicks() - ticks0);
  }
  stopping = true;
} else {
  const burst = async (): Promise<number> => {
    const idle = new Promise<void>((resolve) => {
      onIdle = resolve;
    });
    budget = BURST;
    const t0 = performance.now();
    startSlots();
    await idle;
    return (performance.now() - t0) / 1000;
  };
  await burst(); // warm-up burst
  for (let w = 0; w < WINDOWS; w++) {
    resetCounters();
    await Bun.sleep(Number(values["pause-ms"]));
    const ticks0 = readTicks();
    const seconds = await burst();
    report(w, seconds, readTicks() - ticks0);
  }
  stopping = true;
}
console.log(JSON.stringify({ done: true }));
for (const ws of sockets) ws.close(1000);
process.exit(0);
