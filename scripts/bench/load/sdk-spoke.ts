/**
 * Load spoke on the SDK: connects to `--url` with `connectSpoke`, registers as `--name` with one operation `echo`
 * (`{ text }` back as it came), prints `registered` and serves until SIGTERM. Tracing is off, as in a spoke
 * without `@opentelemetry/api`. It is what the SDK's side of a relayed call costs (scripts/bench/bridge.ts
 * compares the bridge with it). The API key comes from $BENCH_TOKEN.
 *
 * Usage: bun scripts/bench/load/sdk-spoke.ts --url ws://127.0.0.1:P/ws [--name sdkecho]
 */
import { parseArgs } from "node:util";
import { Type } from "@sinclair/typebox";
import { connectSpoke, defineOperation } from "../../../src/sdk/index.ts";

const { values } = parseArgs({
  options: { url: { type: "string" }, name: { type: "string", default: "sdkecho" } },
});
if (!values.url) throw new Error("sdk-spoke: --url is required");
const token = process.env.BENCH_TOKEN;
if (!token) throw new Error("sdk-spoke: $BENCH_TOKEN is required");

const spoke = await connectSpoke({
  url: values.url,
  token,
  name: values.name,
  tracing: false,
  operations: {
    echo: defineOperation({
      type: "query",
      description: "Returns its input",
      input: Type.Object({ text: Type.String() }),
      output: Type.Object({ text: Type.String() }),
      handler: ({ text }) => ({ text }),
    }),
  },
});
console.log("registered");
process.on("SIGTERM", () => void spoke.close().then(() => process.exit(0)));
