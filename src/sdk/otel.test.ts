/**
 * The SDK's optional OpenTelemetry: the API loads where it is installed; without a registered tracer provider a
 * served call's context is the hub's, unchanged; with one, the handler's context is a new span of the same trace.
 */
import { afterEach, expect, test } from "bun:test";
import { trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { parseTraceparent } from "../protocol/index.ts";
import { activeTrace, loadOtelApi, startServedSpan } from "./otel.ts";

const HUB = {
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: "vendor=x",
};

afterEach(() => trace.disable());

test("the API loads where it is installed", async () => {
  expect(await loadOtelApi()).toBeDefined();
});

test("no registered provider: the served call continues the hub's context unchanged", async () => {
  const api = (await loadOtelApi())!;
  const span = startServedSpan(api, "dev1.echo", HUB, {});
  expect(span.trace).toEqual(HUB);
  expect(span.run(() => 42)).toBe(42);
  span.end();
  expect(activeTrace(api)).toBeUndefined();
});

test("no registered provider and no context: none", async () => {
  const span = startServedSpan((await loadOtelApi())!, "dev1.echo", undefined, {});
  expect(span.trace).toBeUndefined();
  span.end();
});

test("a registered provider records the span as the child of the hub's, and ctx.trace names it", async () => {
  const api = (await loadOtelApi())!;
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
  const span = startServedSpan(api, "dev1.echo", HUB, { "alkhub.spoke": "dev1" });
  span.end("DISK_FULL");
  const [recorded] = exporter.getFinishedSpans();
  expect(recorded?.name).toBe("dev1.echo");
  expect(recorded?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
  expect(recorded?.status.message).toBe("DISK_FULL");
  const parts = parseTraceparent(span.trace?.traceparent);
  expect(parts?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  expect(parts?.spanId).toBe(recorded?.spanContext().spanId as string);
  expect(span.trace?.tracestate).toBe("vendor=x");
});
