/**
 * Many spokes from one process: opens `--count` WebSockets to `--url` (at most `--concurrency` handshakes at a
 * time), registers each as `<prefix><i>` with `--ops` operations, then prints one JSON line
 * `{"ready":true,"registered":n,"failed":f,"startedAt":epochMs,"finishedAt":epochMs,"firstError":…}` and holds
 * the connections (answering calls with their input) until SIGTERM or `--max-seconds`. A registered spoke that
 * loses its connection later is reported as a `{"dropped":n,"why":…}` line.
 * The key comes from $BENCH_TOKEN.
 *
 * Usage: bun scripts/bench/load/spoke-fleet.ts --url ws://127.0.0.1:P/ws --count 3750 --prefix f0s [--ops 10]
 *          [--concurrency 256] [--max-seconds 600] [--connect-only]
 * `--connect-only` opens the connections without registering (counted as registered once open).
 */
import { parseArgs } from "node:util";
import { benchSocket } from "../support/index.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    count: { type: "string", default: "1000" },
    prefix: { type: "string", default: "fleet" },
    ops: { type: "string", default: "10" },
    concurrency: { type: "string", default: "256" },
    "max-seconds": { type: "string", default: "600" },
    "connect-only": { type: "boolean", default: false },
  },
});
if (!values.url) throw new Error("spoke-fleet: --url is required");
const url = values.url;
const COUNT = Number(values.count);
const CONCURRENCY = Number(values.concurrency);
setTimeout(() => process.exit(0), Number(values["max-seconds"]) * 1000).unref();
process.on("SIGTERM", () => process.exit(0));

const token = process.env.BENCH_TOKEN;
const operations = Array.from({ length: Number(values.ops) }, (_, i) => ({
  name: `op${i}.run`,
  type: "query",
  description: `Operation ${i} of a benchmark spoke`,
  inputSchema: { type: "object", properties: { text: { type: "string" } } },
}));

let registered = 0;
let failed = 0;
let firstError = "";
let dropped = 0;
let reportScheduled = false;
const sockets: WebSocket[] = [];

/** A registered spoke lost its connection: reported as `{"dropped":n,…}` lines (batched every 100 ms). */
function noteDropped(why: string): void {
  dropped++;
  if (reportScheduled) return;
  reportScheduled = true;
  setTimeout(() => {
    reportScheduled = false;
    console.log(JSON.stringify({ dropped, why }));
  }, 100);
}

/** Connects and registers spoke `i`; resolves when it is registered or has failed. */
function connectOne(i: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = benchSocket(url, token);
    sockets.push(ws);
    let done = false;
    const fail = (why: string) => {
      if (done) return;
      done = true;
      failed++;
      firstError ||= why;
      resolve();
    };
    ws.onopen = () => {
      if (values["connect-only"]) {
        done = true;
        registered++;
        resolve();
        return;
      }
      const id = `register-${i}`;
      const input = { name: `${values.prefix}${i}`, operations };
      ws.send(
        JSON.stringify({
          type: "call.requested",
          id,
          payload: { requestId: id, operation: "hub.register", input },
        }),
      );
    };
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data as string) as {
        type: string;
        payload: { requestId: string; input?: unknown };
      };
      if (!done) {
        done = true;
        if (frame.type === "call.responded") registered++;
        else {
          failed++;
          firstError ||= `${frame.type} ${JSON.stringify(frame.payload).slice(0, 200)}`;
        }
        resolve();
        return;
      }
      if (frame.type === "call.requested") {
        const id = frame.payload.requestId;
        ws.send(
          JSON.stringify({
            type: "call.responded",
            id,
            payload: { requestId: id, output: frame.payload.input },
          }),
        );
      }
    };
    ws.onerror = () => fail("WebSocket error");
    ws.onclose = (event) => {
      if (done) noteDropped(`closed ${event.code} ${event.reason}`);
      else fail(`closed ${event.code} ${event.reason}`);
    };
  });
}

const startedAt = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(CONCURRENCY, COUNT) }, async () => {
    while (next < COUNT) await connectOne(next++);
  }),
);
const finishedAt = Date.now();
console.log(
  JSON.stringify({
    ready: true,
    registered,
    failed,
    startedAt,
    finishedAt,
    firstError: firstError || undefined,
  }),
);
// Hold the connections until stopped (SIGTERM) or --max-seconds.
await new Promise(() => {});
