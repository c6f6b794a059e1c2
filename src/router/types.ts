import type { Identity } from "../auth/index.ts";
import type { CatalogSpoke } from "../catalog/index.ts";
import type { CallLogLevel, HubError, TraceContext } from "../protocol/index.ts";

/** Who is calling: the verified key, and the connection the call came in on (when it came over /ws). */
export interface CallerContext {
  identity: Identity;
  /** The caller's /ws connection id, for logs; absent for MCP and HTTP callers. */
  connectionId?: string;
  /** Which surface the call came in on (a span attribute when tracing); absent: not said. */
  surface?: "ws" | "mcp" | "http";
}

/** One call as any surface (/ws, /mcp, /api/v1) asks for it. */
export interface CallRequest {
  /** Published operation name (`dev1.fs.readFile`) or a hub operation (`hub.list`). */
  operation: string;
  input: unknown;
  /** Epoch ms after which the caller no longer wants the answer (capped by `router.maxTimeoutMs`). */
  deadline?: number;
  /** Whether the caller wants progress events. */
  progress?: boolean;
  /** The call (as the caller knows it) during which this one is made, for tracing. */
  parentRequestId?: string;
  /**
   * The caller's W3C trace context (already checked): the hub's spans continue it when it traces, and the
   * spoke gets it (or the hub's relay span in its place) on `call.requested`.
   */
  trace?: TraceContext;
}

/**
 * Receives what happens to one call. Exactly one of `error` or (for query/mutation) the first `response`,
 * (for subscriptions) `complete` ends the call; nothing arrives after that.
 */
export interface CallSink {
  /**
   * One output; `last` is true when it ends the call (query/mutation), false for a subscription item. Returns
   * how many characters it sent on (for the audit), 0 when it does not know.
   */
  response(output: unknown, last: boolean): number;
  progress(progress: number, total: number | undefined, message: string | undefined): void;
  /** A log message from the spoke about this call (`call.log`). */
  log(level: CallLogLevel, data: unknown, logger: string | undefined): void;
  complete(): void;
  error(error: HubError): void;
}

/**
 * Where every surface (/ws, /mcp, /api/v1) sends calls: `HubOperations`, which answers `hub.*` and passes spoke
 * operations to the router.
 */
export interface Calls {
  /** Starts a call; everything that happens to it arrives at `sink`. Never throws. */
  call(caller: CallerContext, request: CallRequest, sink: CallSink): CallHandle;
}

/** The caller's handle on a call in flight. */
export interface CallHandle {
  /** Stops the call: the spoke is told (`call.aborted`), the sink gets `ABORTED`. Harmless once settled. */
  abort(reason?: string): void;
}

/** The frames the router sends a spoke. */
export type SpokeFrameType = "call.requested" | "call.aborted";

/**
 * A spoke connection as the router sees it: somewhere to send `call.requested` and `call.aborted` frames. The
 * router says with each frame what it is about, so no link reads a frame again to route it.
 */
export interface SpokeLink {
  readonly connectionId: string;
  readonly spokeName: string;
  /** Most calls the spoke runs at once (undefined: no limit beyond the connection's in-flight limit). */
  readonly maxConcurrency: number | undefined;
  /** True for a connection held by another instance (the owner must acknowledge each call). */
  readonly remote?: boolean;
  /** For a remote link: the instance that holds the connection. */
  readonly instanceId?: string;
  /** Calls the router has in flight to this spoke; maintained by the router. */
  inFlight: number;
  /**
   * Sends one frame of `type` about call `hubId` (of a subscription operation when `subscription`); false when
   * the connection is closing or could not take it.
   */
  send(frame: string, type: SpokeFrameType, hubId: string, subscription: boolean): boolean;
}

/** Finds the connection that serves a spoke: on this instance, or on another one through the bus. */
export interface SpokeLinks {
  link(spoke: CatalogSpoke): SpokeLink | undefined;
}

/** How a call ended, as the audit and the metrics name it; the `calls.outcome` column accepts exactly these. */
export type CallOutcome = "ok" | "error" | "aborted" | "timeout";

/**
 * One finished call, as the router hands it to the audit: flat scalars only (strings the call already holds,
 * numbers), no object graph. The router fills one record it owns and reuses it for every call; the sink copies
 * the fields out during `record()` (into its preallocated ring) and keeps no reference to the object.
 */
export interface CallRecord {
  requestId: string;
  /** The full published operation name. */
  operation: string;
  /** The spoke that served the call; null when none was found (e.g. `SPOKE_UNAVAILABLE`). */
  spokeName: string | null;
  /** The public id of the caller's API key; null for callers without one. */
  callerKeyId: string | null;
  outcome: CallOutcome;
  /** The `HubError` code when the outcome is not `ok`. */
  errorCode: string | null;
  /** Epoch milliseconds. */
  startedAt: number;
  /** Epoch milliseconds. */
  finishedAt: number;
  /** Size of the call's input, in bytes. */
  inputBytes: number;
  /** Size of the call's output, in bytes (0 when there was none). */
  outputBytes: number;
}

/**
 * Where the router reports finished calls (the call audit implements it; the router does not know the store).
 * `record` is O(1), allocates nothing per call, never throws and never awaits: it copies `call`'s fields and
 * returns, so the caller may overwrite `call` right after. Under overload it sheds (counted), never blocks.
 */
export interface AuditSink {
  record(call: Readonly<CallRecord>): void;
}

/** An `AuditSink` that discards every record (audit off, tests). */
export const noopAudit: AuditSink = Object.freeze({ record: () => {} });

/** A fresh record for a router to fill and reuse for every call it reports. */
export function newCallRecord(): CallRecord {
  return {
    requestId: "",
    operation: "",
    spokeName: null,
    callerKeyId: null,
    outcome: "ok",
    errorCode: null,
    startedAt: 0,
    finishedAt: 0,
    inputBytes: 0,
    outputBytes: 0,
  };
}

/**
 * Tracing of calls as spans (telemetry/ implements it with OpenTelemetry). Absent when tracing is off: the
 * router then makes no span and no trace object, and only passes a caller's `trace` on to the spoke.
 */
export interface CallTracer {
  /**
   * Starts the spans of one call at the instance it came in on: the call's own span (continuing
   * `request.trace`, or a new trace) and its first step, `auth`.
   */
  begin(caller: CallerContext, request: CallRequest): CallTrace;
  /**
   * The owner instance's span of a call another instance relayed to a spoke connected here, a child of that
   * instance's remote-hop span `parent`. `end` it when the call's last frame goes back.
   */
  forwarded(parent: TraceContext, spokeName: string, from: string): ForwardTrace;
}

/** The spans of one call in flight, moved along by the router; every method is harmless once ended. */
export interface CallTrace {
  /** Admission and access checks passed: `auth` ends, `route` starts. */
  authorized(operation: string, spokeName: string): void;
  /**
   * The call goes out over `link` as hub id `hubId`: `route` ends and `relay` (local spoke) or `remote-hop`
   * (another instance) starts. Returns the JSON text of the `trace` member for the spoke's frame.
   */
  relay(link: SpokeLink, hubId: string): string;
  /** The call ended: every open span ends, with the error code when it failed. */
  end(outcome: CallOutcome, errorCode: string | null): void;
}

/** The owner instance's span of a relayed call. */
export interface ForwardTrace {
  /** The trace context the spoke gets (this span as parent). */
  readonly context: TraceContext;
  /** Ends the span; `errorCode` when the call failed. */
  end(errorCode: string | null): void;
}
