/** Between the wire's trace context (`{ traceparent, tracestate }`) and OpenTelemetry's span contexts. */
import { type Context, createTraceState, ROOT_CONTEXT, type Span, trace } from "@opentelemetry/api";
import { formatTraceparent, parseTraceparent, type TraceContext } from "../protocol/index.ts";

/**
 * The context a span continuing `remote` starts in: that span context as the (remote) parent, or the root
 * context (a new trace) when there is none. The trace context was checked where it came in.
 */
export function remoteParent(remote: TraceContext | undefined): Context {
  const parent = remote === undefined ? undefined : parseTraceparent(remote.traceparent);
  if (parent === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    // Only the sampled bit has a meaning the SDK knows; the others are passed on by nobody.
    traceFlags: parent.flags & 1,
    isRemote: true,
    traceState: remote?.tracestate === undefined ? undefined : createTraceState(remote.tracestate),
  });
}

/**
 * The trace context a receiver continues under `span`: its ids and sampled flag, with the caller's tracestate
 * passed on unchanged (the hub adds no entry of its own).
 */
export function contextOf(span: Span, tracestate: string | undefined): TraceContext {
  const { traceId, spanId, traceFlags } = span.spanContext();
  const traceparent = formatTraceparent(traceId, spanId, traceFlags);
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}
