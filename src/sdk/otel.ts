/**
 * Optional OpenTelemetry in the spoke: when the spoke's process has `@opentelemetry/api` (the SDK's one optional
 * peer dependency), each served call gets a span continuing the call's trace context, with whatever tracer
 * provider the application registered (none registered: the API's no-op tracer, and the context passes
 * through unchanged). The API is loaded once, dynamically, so the SDK runs where it is not installed.
 *
 * The types below are the few members of `@opentelemetry/api` the SDK uses, written out so the SDK's
 * declarations do not require the package.
 */
import { formatTraceparent, parseTraceparent, type TraceContext } from "../protocol/index.ts";

/** A span context as `@opentelemetry/api` has it. */
export interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: unknown;
}

/** The members of an OpenTelemetry span the SDK uses. */
export interface OtelSpan {
  spanContext(): OtelSpanContext;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** An OpenTelemetry context (opaque here). */
export type OtelContext = object;

/** The members of `@opentelemetry/api` the SDK uses. */
export interface OtelApi {
  ROOT_CONTEXT: OtelContext;
  trace: {
    getTracer(
      name: string,
      version?: string,
    ): {
      startSpan(
        name: string,
        options?: { kind?: number; attributes?: Record<string, string> },
        context?: OtelContext,
      ): OtelSpan;
    };
    setSpanContext(context: OtelContext, spanContext: OtelSpanContext): OtelContext;
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
    getSpanContext(context: OtelContext): OtelSpanContext | undefined;
  };
  context: {
    active(): OtelContext;
    with<T>(context: OtelContext, fn: () => T): T;
  };
  createTraceState(raw?: string): unknown;
}

/** `SpanKind.SERVER` and `SpanStatusCode.ERROR` of the API (stable numbers). */
const SPAN_KIND_SERVER = 1;
const STATUS_ERROR = 2;
const INVALID_TRACE_ID = "00000000000000000000000000000000";

/**
 * The package, named in a variable rather than a literal: an application bundler (webpack, Vite, esbuild) must
 * not fail to resolve it where the application does not install it; the runtime resolves it, or the import fails
 * and tracing stays off.
 */
export const OTEL_API_PACKAGE = "@opentelemetry/api";

let loading: Promise<OtelApi | undefined> | undefined;

/** `@opentelemetry/api` when the process can import it, else undefined; imported once. Never rejects. */
export function loadOtelApi(): Promise<OtelApi | undefined> {
  loading ??= import(/* webpackIgnore: true */ /* @vite-ignore */ OTEL_API_PACKAGE).then(
    (api) => api as unknown as OtelApi,
    () => undefined,
  );
  return loading;
}

/** The trace context of `spanContext`, or undefined when it is not a valid one (the no-op tracer's). */
function contextOf(spanContext: OtelSpanContext | undefined, tracestate: string | undefined) {
  if (spanContext === undefined || spanContext.traceId === INVALID_TRACE_ID) return undefined;
  const traceparent = formatTraceparent(spanContext.traceId, spanContext.spanId, spanContext.traceFlags);
  if (parseTraceparent(traceparent) === undefined) return undefined;
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

/** The active span's trace context in the application (for `spoke.call` outside a handler), if any. */
export function activeTrace(api: OtelApi | undefined): TraceContext | undefined {
  if (api === undefined) return undefined;
  return contextOf(api.trace.getSpanContext(api.context.active()), undefined);
}

/** The span of one served call, and the trace context its handler continues. */
export interface ServedSpan {
  /** What `ctx.trace` is: this span when it is a real one, else the call's own context. */
  readonly trace: TraceContext | undefined;
  /** Runs `fn` with the span active (for the application's own spans, when it has a context manager). */
  run<T>(fn: () => T): T;
  /** Ends the span; `errorCode` when the call failed. */
  end(errorCode?: string): void;
}

/** Starts the span of a served call named `name`, a child of `parent` (the hub's relay span). */
export function startServedSpan(
  api: OtelApi,
  name: string,
  parent: TraceContext | undefined,
  attributes: Record<string, string>,
): ServedSpan {
  const parsed = parent === undefined ? undefined : parseTraceparent(parent.traceparent);
  const parentContext =
    parsed === undefined
      ? api.ROOT_CONTEXT
      : api.trace.setSpanContext(api.ROOT_CONTEXT, {
          traceId: parsed.traceId,
          spanId: parsed.spanId,
          traceFlags: parsed.flags & 1,
          isRemote: true,
          traceState: parent?.tracestate === undefined ? undefined : api.createTraceState(parent.tracestate),
        });
  const span = api.trace
    .getTracer("@alkdev/hub/spoke")
    .startSpan(name, { kind: SPAN_KIND_SERVER, attributes }, parentContext);
  const active = api.trace.setSpan(parentContext, span);
  return {
    trace: contextOf(span.spanContext(), parent?.tracestate) ?? parent,
    run: (fn) => api.context.with(active, fn),
    end(errorCode) {
      if (errorCode !== undefined) span.setStatus({ code: STATUS_ERROR, message: errorCode });
      span.end();
    },
  };
}
