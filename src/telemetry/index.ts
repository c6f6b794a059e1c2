/**
 * Traces of calls (issue #16, docs/observability.md): W3C trace context continued through the hub's steps and
 * exported over OTLP/HTTP when `telemetry.otlp` is configured. Nothing of it is built when tracing is off.
 */
export { OtelCallTracer, SPAN_NAMES } from "./call-tracer.ts";
export { startTracing, type Tracing, tracesUrl } from "./otlp.ts";
export { contextOf, remoteParent } from "./span-context.ts";
