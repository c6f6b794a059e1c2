/** Shared by the trace suites (traces.test.ts, traces-cluster.test.ts): the spokes' tracing, an echo spoke that
 * reports the trace context its handler saw, and lookups of received spans. */
import { type Span, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { Type } from "@sinclair/typebox";
import { formatTraceparent, type TraceContext } from "../../src/protocol/index.ts";
import { type CallContext, connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { eventually } from "./eventually.ts";
import type { OtlpReceiver, ReceivedSpan } from "./otlp-receiver.ts";

export const SERVER = 2;
export const CLIENT = 3;
export const ECHO_INPUT = Type.Object({ text: Type.Optional(Type.String()) });

/** The spokes' side: a tracer provider registered globally in this process, exporting to `receiver`. */
export function registerAppTracing(receiver: OtlpReceiver): TracerProvider {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "test-app" }),
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: receiver.tracesUrl }) }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  return provider;
}

export function traceOf(span: Span): TraceContext {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { traceparent: formatTraceparent(traceId, spanId, traceFlags) };
}

/** A spoke serving `echo`, whose answer says which trace context its handler saw. */
export function connectEchoSpoke(url: string, token: string, name: string): Promise<Spoke> {
  return connectSpoke({
    url,
    token,
    name,
    operations: {
      echo: {
        type: "query",
        description: "Answers with its input and the trace context of its handler",
        input: ECHO_INPUT,
        handler: (input: unknown, ctx: CallContext) => ({ input, trace: ctx.trace ?? null }),
      },
      nested: {
        type: "query",
        description: "Calls its own echo through the hub (ctx.call passes ctx.trace on)",
        input: ECHO_INPUT,
        handler: (_input: unknown, ctx: CallContext) => ctx.call(`${name}.echo`, { text: "inner" }),
      },
    },
  });
}

/** Waits until the receiver holds a span of trace `traceId` under each of `names` (spans come in batches). */
export function spansOf(receiver: OtlpReceiver, traceId: string, names: string[]): Promise<ReceivedSpan[]> {
  return eventually(
    () => {
      const found = receiver.spans.filter((span) => span.traceId === traceId);
      return names.every((name) => found.some((span) => span.name === name)) ? found : false;
    },
    { timeoutMs: 20_000, what: `spans ${names.join(", ")} of trace ${traceId}` },
  );
}

/** The one span named `name` (and of `service`, when given) among `spans`. */
export function one(spans: ReceivedSpan[], name: string, service?: string): ReceivedSpan {
  const found = spans.filter(
    (span) => span.name === name && (service === undefined || span.service === service),
  );
  if (found.length !== 1) {
    throw new Error(`expected one span ${name}, got ${found.length}: ${spans.map((s) => s.name).join(", ")}`);
  }
  return found[0] as ReceivedSpan;
}

export const telemetryConfig = (receiver: OtlpReceiver, extra: Record<string, unknown> = {}) => ({
  otlp: { endpoint: receiver.url, serviceName: "alkhub", exportDelayMs: 50, ...extra },
});
