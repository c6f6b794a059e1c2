/**
 * The OpenTelemetry call tracer: its spans, their parents and kinds, the context handed to the spoke, and the
 * owner's forward span, read back from the SDK's in-memory exporter.
 */
import { expect, test } from "bun:test";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { identity } from "../../tests/support/catalog-fixtures.ts";
import { FakeLink } from "../../tests/support/relay-fakes.ts";
import { parseTraceparent } from "../protocol/index.ts";
import { OtelCallTracer } from "./call-tracer.ts";
import { tracesUrl } from "./otlp.ts";

function setup() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  return { exporter, tracer: new OtelCallTracer(provider.getTracer("test")) };
}

const PARENT = {
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: "vendor=x",
};
const caller = { identity: identity(["call"]), surface: "ws" as const };

test("a call continuing a caller's context: call ← auth, route, relay; the spoke gets the relay span", () => {
  const { exporter, tracer } = setup();
  const trace = tracer.begin(caller, { operation: "dev1.echo", input: {}, trace: PARENT });
  trace.authorized("dev1.echo", "dev1");
  const toSpoke = JSON.parse(trace.relay(new FakeLink("dev1"), "h1-0"));
  trace.end("ok", null);
  const spans = exporter.getFinishedSpans();
  const byName = Object.fromEntries(spans.map((span) => [span.name, span]));
  const call = byName["alkhub.call dev1.echo"];
  const relay = byName["alkhub.relay"];
  expect(Object.keys(byName).sort()).toEqual([
    "alkhub.auth",
    "alkhub.call dev1.echo",
    "alkhub.relay",
    "alkhub.route",
  ]);
  expect(call?.spanContext().traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  expect(call?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
  for (const step of ["alkhub.auth", "alkhub.route", "alkhub.relay"]) {
    expect(byName[step]?.parentSpanContext?.spanId).toBe(call?.spanContext().spanId as string);
  }
  expect(call?.kind).toBe(SpanKind.SERVER);
  expect(relay?.kind).toBe(SpanKind.CLIENT);
  expect(call?.attributes["alkhub.surface"]).toBe("ws");
  expect(call?.attributes["alkhub.request_id"]).toBe("h1-0");
  expect(toSpoke).toEqual({
    traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${relay?.spanContext().spanId}-01`,
    tracestate: "vendor=x",
  });
});

test("a refused call ends its open step and the call span as errors", () => {
  const { exporter, tracer } = setup();
  const trace = tracer.begin(caller, { operation: "dev1.nope", input: {} });
  trace.end("error", "OPERATION_NOT_FOUND");
  trace.end("error", "ignored: already ended");
  const spans = exporter.getFinishedSpans();
  expect(spans.map((span) => span.name).sort()).toEqual(["alkhub.auth", "alkhub.call"]);
  for (const span of spans) {
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["alkhub.error.code"]).toBe("OPERATION_NOT_FOUND");
  }
  // No caller context: a new trace.
  expect(spans.find((span) => span.name === "alkhub.call")?.parentSpanContext).toBeUndefined();
});

test("a remote link gets a remote-hop span naming the target instance", () => {
  const { exporter, tracer } = setup();
  const trace = tracer.begin(caller, { operation: "dev1.echo", input: {} });
  trace.authorized("dev1.echo", "dev1");
  const link = Object.assign(new FakeLink("dev1", { remote: true }), { instanceId: "inst-b" });
  trace.relay(link, "h1-1");
  trace.end("ok", null);
  const hop = exporter.getFinishedSpans().find((span) => span.name === "alkhub.remote-hop");
  expect(hop?.attributes["alkhub.target_instance.id"]).toBe("inst-b");
});

test("the owner's forward span is the child of the caller instance's hop, and the spoke continues it", () => {
  const { exporter, tracer } = setup();
  const forward = tracer.forwarded(PARENT, "dev1", "inst-a");
  forward.end(null);
  const [span] = exporter.getFinishedSpans();
  expect(span?.name).toBe("alkhub.forward");
  expect(span?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
  expect(parseTraceparent(forward.context.traceparent)?.spanId).toBe(span?.spanContext().spanId as string);
  expect(forward.context.tracestate).toBe("vendor=x");
});

test("an unsampled caller context is followed: no span recorded, the flag passed on", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = new OtelCallTracer(provider.getTracer("test"));
  const trace = tracer.begin(caller, {
    operation: "dev1.echo",
    input: {},
    trace: { traceparent: PARENT.traceparent.replace(/01$/, "00") },
  });
  trace.authorized("dev1.echo", "dev1");
  const toSpoke = JSON.parse(trace.relay(new FakeLink("dev1"), "h1-2"));
  trace.end("ok", null);
  expect(exporter.getFinishedSpans()).toEqual([]);
  expect(toSpoke.traceparent).toEndWith("-00");
});

test("tracesUrl adds /v1/traces to a bare endpoint and keeps a given path", () => {
  expect(tracesUrl("http://collector:4318")).toBe("http://collector:4318/v1/traces");
  expect(tracesUrl("https://x.example/otlp/v1/traces")).toBe("https://x.example/otlp/v1/traces");
});
