/**
 * The owner instance's side of tracing a relayed call without reading the frame: the caller's instance encodes
 * `call.requested` with `trace` as the payload's last member (protocol/call-encoders.ts), so the owner finds it
 * from the frame's end, starts its own span under it and puts that span in its place — a few string operations
 * on the tail, done only when the owner traces.
 */
import { type TraceContext, traceJson } from "../protocol/index.ts";

const TRACE_HEAD = '{"traceparent":"';

/** A relayed frame's trace context, and how to write the frame with another one in its place. */
export interface FrameTrace {
  readonly trace: TraceContext;
  /** The frame with `trace` replaced by `next`. */
  replace(next: TraceContext): string;
}

/**
 * The trace context at the end of a hub-encoded `call.requested`; undefined when it has none (its payload then
 * ends with the caller's scopes, `]}}}`) or the tail is not what the encoder writes.
 */
export function frameTrace(frame: string): FrameTrace | undefined {
  // `…"trace":{…"}}}`: the trace object, the payload and the frame close after a string.
  if (frame.charCodeAt(frame.length - 4) !== 0x22) return undefined;
  const at = frame.lastIndexOf(`"trace":${TRACE_HEAD}`);
  if (at < 0) return undefined;
  const start = at + '"trace":'.length;
  const end = frame.length - 2;
  let trace: TraceContext;
  try {
    trace = JSON.parse(frame.slice(start, end)) as TraceContext;
  } catch {
    return undefined;
  }
  if (typeof trace?.traceparent !== "string") return undefined;
  return { trace, replace: (next) => `${frame.slice(0, start)}${traceJson(next)}${frame.slice(end)}` };
}
