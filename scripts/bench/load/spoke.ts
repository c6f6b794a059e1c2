/**
 * Load spoke: connects to `--url`, registers as `--name` with one operation `echo` (via `hub.register`, which
 * the raw relay understands too), prints `registered` and then answers every `call.requested` with
 * `call.responded` whose output is the input. Raw frames, no SDK: the spoke must cost as little as possible.
 * The API key comes from $BENCH_TOKEN. Exits on SIGTERM, when the socket closes, or after `--max-seconds`.
 *
 * Usage: bun scripts/bench/load/spoke.ts --url ws://127.0.0.1:P/ws [--name bench] [--max-seconds 900]
 */
import { parseArgs } from "node:util";
import { benchSocket } from "../support/index.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    name: { type: "string", default: "bench" },
    "max-seconds": { type: "string", default: "900" },
  },
});
if (!values.url) throw new Error("spoke: --url is required");
setTimeout(() => process.exit(0), Number(values["max-seconds"]) * 1000).unref();

const token = process.env.BENCH_TOKEN;
const ws = benchSocket(values.url, token);
const registerId = `register-${crypto.randomUUID()}`;
const echo = {
  name: "echo",
  type: "query",
  description: "Returns its input",
  inputSchema: { type: "object", properties: { text: { type: "string" } } },
};

ws.onopen = () => {
  const input = { name: values.name, operations: [echo] };
  ws.send(
    JSON.stringify({
      type: "call.requested",
      id: registerId,
      payload: { requestId: registerId, operation: "hub.register", input },
    }),
  );
};
ws.onmessage = (event) => {
  const frame = JSON.parse(event.data as string) as {
    type: string;
    id: string;
    payload: { requestId: string; input?: unknown; code?: string; message?: string };
  };
  if (frame.type === "call.requested") {
    const id = frame.payload.requestId;
    ws.send(
      JSON.stringify({ type: "call.responded", id, payload: { requestId: id, output: frame.payload.input } }),
    );
    return;
  }
  if (frame.payload.requestId === registerId) {
    if (frame.type === "call.responded") console.log("registered");
    else {
      console.error(`spoke: hub.register failed: ${frame.payload.code} ${frame.payload.message}`);
      process.exit(4);
    }
  }
};
ws.onerror = () => console.error(`spoke: WebSocket error on ${values.url}`);
ws.onclose = (event) => {
  console.error(`spoke: closed ${event.code} ${event.reason}`);
  process.exit(event.code === 1000 ? 0 : 5);
};
process.on("SIGTERM", () => process.exit(0));
