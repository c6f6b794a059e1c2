import type { Identity } from "../auth/index.ts";
import type { CatalogSpoke } from "../catalog/index.ts";
import type { CallLogLevel, HubError } from "../protocol/index.ts";

/** Who is calling: the verified key, and the connection the call came in on (when it came over /ws). */
export interface CallerContext {
  identity: Identity;
  /** The caller's /ws connection id, for logs; absent for MCP and HTTP callers. */
  connectionId?: string;
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
