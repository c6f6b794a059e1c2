/**
 * The router's hot path in process, without sockets: `Router.call` → link → `call.responded`, on a fake
 * catalog and link, so the relay's own CPU per call shows (docs/observability.md › Cost when off). Optional
 * tracing: `--tracer` makes an OpenTelemetry call tracer (every call sampled, unless `--ratio 0`) exporting to a
 * no-op exporter in batches; `--trace` gives every call a caller's trace context.
 *
 * Usage: bun scripts/bench/router-hot-path.ts [--calls 200000] [--rounds 7] [--tracer] [--ratio 1] [--trace]
 */
import { parseArgs } from "node:util";
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { MetricsRegistry } from "../../src/health/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import {
  type CallRequest,
  type CallSink,
  type CallTracer,
  Router,
  type SpokeLink,
} from "../../src/router/index.ts";
import { OtelCallTracer } from "../../src/telemetry/index.ts";
import { identity, spec } from "../../tests/support/catalog-fixtures.ts";
import { FakeClock, fakeCatalog } from "../../tests/support/relay-fakes.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "200000" },
    rounds: { type: "string", default: "7" },
    tracer: { type: "boolean", default: false },
    ratio: { type: "string", default: "1" },
    trace: { type: "boolean", default: false },
  },
});
const calls = Number(values.calls);
const rounds = Number(values.rounds);

let tracer: CallTracer | undefined;
if (values.tracer) {
  const ratio = Number(values.ratio);
  const provider = new TracerProvider({
    sampler: ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} },
        maxQueueSize: 100_000,
        scheduledDelayMillis: 50,
      }),
    ],
  });
  tracer = new OtelCallTracer(provider.getTracer("bench"));
}

let lastHubId = "";
const link: SpokeLink = {
  connectionId: "c1",
  spokeName: "dev1",
  maxConcurrency: undefined,
  inFlight: 0,
  send(_frame, _type, hubId) {
    lastHubId = hubId;
    return true;
  },
};
const router = new Router({
  catalog: fakeCatalog([
    {
      name: "dev1",
      operations: [
        spec("echo", { inputSchema: { type: "object", properties: { text: { type: "string" } } } }),
      ],
    },
  ]),
  links: { link: () => link },
  audit: { record() {} },
  metrics: new MetricsRegistry(),
  log: silentLogger,
  settings: { defaultTimeoutMs: 60_000, maxTimeoutMs: 300_000, validateOutput: false, remoteAckMs: 1000 },
  clock: new FakeClock(),
  tracer,
});
const caller = { identity: identity(["call"]) };
const sink: CallSink = {
  response: () => 0,
  progress() {},
  log() {},
  complete() {},
  error(error) {
    throw error;
  },
};
const request: CallRequest = { operation: "dev1.echo", input: { text: "hello" } };
if (values.trace) request.trace = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };

function run(n: number): void {
  for (let i = 0; i < n; i++) {
    router.call(caller, request, sink);
    router.onSpokeFrame(link, {
      type: "call.responded",
      id: lastHubId,
      payload: { requestId: lastHubId, output: { ok: 1 } },
    });
  }
}

run(calls);
const perCall: number[] = [];
for (let round = 0; round < rounds; round++) {
  const started = performance.now();
  run(calls);
  perCall.push(((performance.now() - started) * 1000) / calls);
}
perCall.sort((a, b) => a - b);
const what = `${values.tracer ? `tracing on (ratio ${values.ratio})` : "tracing off"}${values.trace ? ", caller trace" : ""}`;
console.log(
  `${what}: median ${perCall[Math.floor(rounds / 2)]?.toFixed(2)} µs/call, best ${perCall[0]?.toFixed(2)} µs/call`,
);
process.exit(0);
