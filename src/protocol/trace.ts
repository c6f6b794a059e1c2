/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as it travels on `call.requested`: the `trace` field
 * `{ traceparent, tracestate? }`. On the wire the schema is strict (a malformed value is a `protocol.error`, like
 * any other bad field); from HTTP headers and MCP `_meta`, which proxies and generic clients fill,
 * `readTraceContext` is lenient (a malformed traceparent is ignored, as the W3C processing model asks).
 */
import { type Static, Type } from "@sinclair/typebox";

/** Length of a version-00 traceparent: `00-` + 32 + `-` + 16 + `-` + 2. */
export const TRACEPARENT_LENGTH = 55;
/** Longest tracestate carried, in characters (W3C: 32 members; vendors propagate at least 512 characters). */
export const MAX_TRACESTATE_LENGTH = 512;

/**
 * A traceparent: version (hex, not `ff`), 32-hex trace id and 16-hex span id (neither all zeros), 2-hex flags,
 * lowercase. Only the four-field form is accepted (what version 00 is; later versions may only add fields,
 * which the hub would not read anyway).
 */
export const TRACEPARENT_PATTERN =
  /^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** Printable ASCII only (the W3C list-member grammar is a subset; the hub does not read tracestate). */
export const TRACESTATE_PATTERN = /^[\x20-\x7e]*$/;

/** The `trace` field of `call.requested`: the caller's span context, to be continued by the receiver. */
export const TraceContext = Type.Object({
  traceparent: Type.String({
    maxLength: TRACEPARENT_LENGTH,
    pattern: TRACEPARENT_PATTERN.source,
    errorMessage:
      "must be a W3C traceparent: <2 hex version>-<32 hex trace id>-<16 hex span id>-<2 hex flags>, lowercase, ids not all zeros",
  }),
  tracestate: Type.Optional(
    Type.String({
      maxLength: MAX_TRACESTATE_LENGTH,
      pattern: TRACESTATE_PATTERN.source,
      errorMessage: `must be printable ASCII of at most ${MAX_TRACESTATE_LENGTH} characters`,
    }),
  ),
});
export type TraceContext = Static<typeof TraceContext>;

/** The parts of a traceparent. */
export interface SpanParent {
  traceId: string;
  spanId: string;
  /** The flags byte; bit 0 is `sampled`. */
  flags: number;
}

/** The parts of a valid traceparent, or undefined for anything else (never throws). */
export function parseTraceparent(text: unknown): SpanParent | undefined {
  if (typeof text !== "string" || text.length !== TRACEPARENT_LENGTH || !TRACEPARENT_PATTERN.test(text)) {
    return undefined;
  }
  return {
    traceId: text.slice(3, 35),
    spanId: text.slice(36, 52),
    flags: Number.parseInt(text.slice(53, 55), 16),
  };
}

/** A version-00 traceparent. `traceId`/`spanId` must be lowercase hex of 32/16 characters. */
export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, "0")}`;
}

/**
 * A trace context from loosely checked sources (HTTP `traceparent`/`tracestate` headers, MCP `_meta`): undefined
 * when the traceparent is missing or malformed (ignored: the call starts a new trace); a malformed or overlong
 * tracestate is dropped and the traceparent kept, as W3C Trace Context § 3.3.1.5 allows. Never throws.
 */
export function readTraceContext(traceparent: unknown, tracestate: unknown): TraceContext | undefined {
  if (typeof traceparent !== "string") return undefined;
  const parent = traceparent.trim();
  if (parseTraceparent(parent) === undefined) return undefined;
  if (
    typeof tracestate === "string" &&
    tracestate.length > 0 &&
    tracestate.length <= MAX_TRACESTATE_LENGTH &&
    TRACESTATE_PATTERN.test(tracestate)
  ) {
    return { traceparent: parent, tracestate };
  }
  return { traceparent: parent };
}

/**
 * The JSON text of a trace context, as the `trace` member of a frame: `traceparent` first, then `tracestate`.
 * Both are checked ASCII; only the tracestate can need escaping.
 */
export function traceJson(trace: TraceContext): string {
  return trace.tracestate === undefined
    ? `{"traceparent":"${trace.traceparent}"}`
    : `{"traceparent":"${trace.traceparent}","tracestate":${JSON.stringify(trace.tracestate)}}`;
}
