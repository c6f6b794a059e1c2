/**
 * The router's `CallTracer` over an OpenTelemetry tracer: the spans of the hub's steps of a call (see
 * docs/observability.md › Spans). Made only when tracing is on; nothing here runs otherwise.
 */
import {
  type Attributes,
  type Context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { type TraceContext, traceJson } from "../protocol/index.ts";
import type {
  CallerContext,
  CallOutcome,
  CallRequest,
  CallTrace,
  CallTracer,
  ForwardTrace,
  SpokeLink,
} from "../router/index.ts";
import { contextOf, remoteParent } from "./span-context.ts";

/** Span names, one per step of a call. */
export const SPAN_NAMES = {
  call: "alkhub.call",
  auth: "alkhub.auth",
  route: "alkhub.route",
  relay: "alkhub.relay",
  remoteHop: "alkhub.remote-hop",
  forward: "alkhub.forward",
} as const;

/** Makes the spans of calls with `tracer` (the hub's own provider's, never the global one). */
export class OtelCallTracer implements CallTracer {
  readonly #tracer: Tracer;

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  begin(caller: CallerContext, request: CallRequest): CallTrace {
    return new OtelCallTrace(this.#tracer, caller, request);
  }

  forwarded(parent: TraceContext, spokeName: string, from: string): ForwardTrace {
    const span = this.#tracer.startSpan(
      SPAN_NAMES.forward,
      {
        kind: SpanKind.SERVER,
        attributes: { "alkhub.spoke": spokeName, "alkhub.caller_instance.id": from },
      },
      remoteParent(parent),
    );
    return {
      context: contextOf(span, parent.tracestate),
      end: (errorCode) => finish(span, errorCode),
    };
  }
}

/** One call's spans: `alkhub.call` for the whole, then `auth`, `route` and `relay`/`remote-hop` in turn. */
class OtelCallTrace implements CallTrace {
  readonly #tracer: Tracer;
  readonly #call: Span;
  /** The context of `#call`: its steps are its children. */
  readonly #inCall: Context;
  readonly #tracestate: string | undefined;
  /** The step running now (auth, route or relay); undefined once the call ended. */
  #step: Span | undefined;
  #ended = false;

  constructor(tracer: Tracer, caller: CallerContext, request: CallRequest) {
    this.#tracer = tracer;
    this.#tracestate = request.trace?.tracestate;
    const parent = remoteParent(request.trace);
    const attributes: Attributes = {
      "rpc.system": "alkhub",
      "alkhub.operation": request.operation.slice(0, 128),
      "alkhub.caller.key_id": caller.identity.keyId ?? "",
    };
    if (caller.surface !== undefined) attributes["alkhub.surface"] = caller.surface;
    if (request.parentRequestId !== undefined)
      attributes["alkhub.parent_request_id"] = request.parentRequestId;
    this.#call = tracer.startSpan(SPAN_NAMES.call, { kind: SpanKind.SERVER, attributes }, parent);
    this.#inCall = trace.setSpan(parent, this.#call);
    this.#step = this.#startStep(SPAN_NAMES.auth, SpanKind.INTERNAL, undefined);
  }

  authorized(operation: string, spokeName: string): void {
    if (this.#ended) return;
    this.#step?.end();
    // The name is now one the catalog holds (bounded), so it may name the span.
    this.#call.updateName(`${SPAN_NAMES.call} ${operation}`);
    this.#call.setAttributes({ "rpc.method": operation, "alkhub.spoke": spokeName });
    this.#step = this.#startStep(SPAN_NAMES.route, SpanKind.INTERNAL, undefined);
  }

  relay(link: SpokeLink, hubId: string): string {
    this.#step?.setAttribute("alkhub.remote", link.remote === true);
    this.#step?.end();
    this.#call.setAttribute("alkhub.request_id", hubId);
    const attributes: Attributes = { "alkhub.request_id": hubId, "alkhub.spoke": link.spokeName };
    if (link.instanceId !== undefined) attributes["alkhub.target_instance.id"] = link.instanceId;
    const name = link.remote ? SPAN_NAMES.remoteHop : SPAN_NAMES.relay;
    const relay = this.#startStep(name, SpanKind.CLIENT, attributes);
    this.#step = relay;
    return traceJson(contextOf(relay, this.#tracestate));
  }

  end(outcome: CallOutcome, errorCode: string | null): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#step !== undefined) finish(this.#step, errorCode);
    this.#step = undefined;
    this.#call.setAttribute("alkhub.outcome", outcome);
    finish(this.#call, errorCode);
  }

  #startStep(name: string, kind: SpanKind, attributes: Attributes | undefined): Span {
    return this.#tracer.startSpan(
      name,
      attributes === undefined ? { kind } : { kind, attributes },
      this.#inCall,
    );
  }
}

/** Ends `span`, marked as an error (with the hub's code) when the call failed. */
function finish(span: Span, errorCode: string | null): void {
  if (errorCode !== null) {
    span.setAttribute("alkhub.error.code", errorCode);
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode });
  }
  span.end();
}
