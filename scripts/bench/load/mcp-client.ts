/**
 * MCP load generator: `--clients` clients, each opening one session on `--url` (initialize +
 * notifications/initialized; with `--stateless` none) and then POSTing `tools/call` of `hub.call` back to back
 * for the warm-up and each measured window. Reports one JSON line per window like load/caller.ts (`calls` are
 * successful tool results; a result with `isError` or a non-200 answer counts as an error). The key comes from
 * $BENCH_TOKEN. Stops by itself after the last window, or after `--max-seconds`.
 *
 * With `--tool <name>` the clients call that tool directly (a per-spoke endpoint, or an SDK server) instead of
 * `hub.call`.
 *
 * Usage: bun scripts/bench/load/mcp-client.ts --url http://127.0.0.1:P/mcp [--clients 25] [--operation bench.echo]
 *          [--tool echo] [--warmup-ms 2000] [--windows 3] [--window-ms 5000] [--stateless] [--watch-pid P]
 */
import { parseArgs } from "node:util";
import { cpuTicks, Histogram } from "../support/index.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    clients: { type: "string", default: "25" },
    operation: { type: "string", default: "bench.echo" },
    tool: { type: "string" },
    "warmup-ms": { type: "string", default: "2000" },
    windows: { type: "string", default: "3" },
    "window-ms": { type: "string", default: "5000" },
    stateless: { type: "boolean", default: false },
    "watch-pid": { type: "string" },
    "max-seconds": { type: "string", default: "600" },
  },
});
if (!values.url) throw new Error("mcp-client: --url is required");
const url = values.url;
setTimeout(() => {
  console.error("mcp-client: --max-seconds reached, exiting");
  process.exit(2);
}, Number(values["max-seconds"]) * 1000).unref();

const PROTOCOL_VERSION = "2025-11-25";
const token = process.env.BENCH_TOKEN;
const baseHeaders: Record<string, string> = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": PROTOCOL_VERSION,
  ...(token ? { authorization: `Bearer ${token}` } : {}),
};

/** The JSON-RPC message of a response: a JSON body, or the first non-empty `data:` line of an event stream (a
 * resumable stream starts with a priming event whose data is empty). */
async function readMessage(response: Response): Promise<{ result?: { isError?: boolean }; error?: unknown }> {
  const text = await response.text();
  if (!response.headers.get("content-type")?.includes("text/event-stream")) return JSON.parse(text);
  for (const line of text.split("\n")) {
    if (line.startsWith("data: ") && line.length > 6) return JSON.parse(line.slice(6));
  }
  throw new Error("event stream without a data line");
}

async function openSession(): Promise<Record<string, string>> {
  if (values.stateless) return baseHeaders;
  const init = await fetch(url, {
    method: "POST",
    headers: baseHeaders,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: "bench", version: "1" },
      },
    }),
  });
  const sessionId = init.headers.get("mcp-session-id");
  await readMessage(init);
  if (!init.ok || !sessionId)
    throw new Error(`mcp-client: initialize answered ${init.status} without a session id`);
  const headers = { ...baseHeaders, "mcp-session-id": sessionId };
  const done = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await done.arrayBuffer();
  return headers;
}

const histogram = new Histogram();
let completed = 0;
let errors = 0;
let firstError = "";
let running = true;
let contentType = "";

async function client(headers: Record<string, string>): Promise<void> {
  for (let id = 1; running; id++) {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: values.tool
        ? { name: values.tool, arguments: { text: "hello, hub" } }
        : { name: "hub.call", arguments: { operation: values.operation, input: { text: "hello, hub" } } },
    });
    const t0 = performance.now();
    try {
      const response = await fetch(url, { method: "POST", headers, body });
      contentType ||= response.headers.get("content-type") ?? "";
      const message = await readMessage(response);
      if (response.ok && message.result && !message.result.isError) {
        completed++;
        histogram.record((performance.now() - t0) * 1000);
      } else {
        errors++;
        firstError ||= `${response.status} ${JSON.stringify(message).slice(0, 300)}`;
      }
    } catch (error) {
      errors++;
      firstError ||= (error as Error).message;
    }
  }
}

const sessions = await Promise.all(Array.from({ length: Number(values.clients) }, () => openSession()));
const loops = sessions.map((headers) => client(headers));
const watch = values["watch-pid"] === undefined ? undefined : Number(values["watch-pid"]);
const readTicks = () => (watch === undefined ? 0 : cpuTicks(watch));
await Bun.sleep(Number(values["warmup-ms"]));
for (let w = 0; w < Number(values.windows); w++) {
  histogram.reset();
  completed = 0;
  errors = 0;
  firstError = "";
  const ticks0 = readTicks();
  const t0 = performance.now();
  await Bun.sleep(Number(values["window-ms"]));
  const seconds = (performance.now() - t0) / 1000;
  const line = {
    window: w,
    calls: completed,
    errors,
    seconds,
    callsPerSec: completed / seconds,
    p50Us: histogram.percentile(0.5),
    p99Us: histogram.percentile(0.99),
    cpuTicks: readTicks() - ticks0,
    firstError: firstError || undefined,
    contentType,
  };
  console.log(JSON.stringify(line));
}
running = false;
await Promise.all(loops);
console.log(JSON.stringify({ done: true }));
process.exit(0);
