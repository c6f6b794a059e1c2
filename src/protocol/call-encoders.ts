/**
 * Fast encoders of the call frames, for the relay's hot path. Each builds the frame as one string around the
 * values that need JSON encoding; parts that repeat from call to call (an id, an operation name, who is calling)
 * are passed in already encoded, so a caller that keeps them encodes them once. Every encoder produces exactly
 * the frame `encodeFrame` would (checked against `parseFrame` and the golden fixtures in call-encoders.test.ts).
 *
 * Arguments named `…Json` are JSON text (`"dev1"`, `{"id":…}`), never raw strings.
 */
import type { WireError } from "./errors.ts";
import type { CallLogLevel } from "./frames.ts";

/** JSON text of a value; `undefined` (which JSON cannot carry) is sent as `null`. */
export function jsonOf(value: unknown): string {
  return value === undefined ? "null" : JSON.stringify(value);
}

/**
 * `call.requested`. `deadline`, `parentJson`, `callerJson` and `traceJson` are left out when undefined;
 * `progress` only appears when true. `trace` is always the last member of the payload (and `traceparent` the
 * first of `trace`): an instance relaying a hub-encoded frame finds it from the end (cluster/trace-splice.ts).
 */
export function encodeCallRequested(
  idJson: string,
  operationJson: string,
  inputJson: string,
  deadline: number | undefined,
  progress: boolean,
  parentJson: string | undefined,
  callerJson: string | undefined,
  traceJson?: string,
): string {
  return (
    `{"type":"call.requested","id":${idJson},"payload":{"requestId":${idJson},"operation":${operationJson},` +
    `"input":${inputJson}${deadline === undefined ? "" : `,"deadline":${deadline}`}` +
    `${progress ? ',"progress":true' : ""}${parentJson === undefined ? "" : `,"parentRequestId":${parentJson}`}` +
    `${callerJson === undefined ? "" : `,"caller":${callerJson}`}` +
    `${traceJson === undefined ? "" : `,"trace":${traceJson}`}}}`
  );
}

/** `call.responded` with one output (already JSON text). */
export function encodeCallResponded(idJson: string, outputJson: string): string {
  return `{"type":"call.responded","id":${idJson},"payload":{"requestId":${idJson},"output":${outputJson}}}`;
}

/** `call.completed`: the end of a subscription. */
export function encodeCallCompleted(idJson: string): string {
  return `{"type":"call.completed","id":${idJson},"payload":{"requestId":${idJson}}}`;
}

/** `call.progress`. */
export function encodeCallProgress(
  idJson: string,
  progress: number,
  total: number | undefined,
  message: string | undefined,
): string {
  return (
    `{"type":"call.progress","id":${idJson},"payload":{"requestId":${idJson},"progress":${JSON.stringify(progress)}` +
    `${total === undefined ? "" : `,"total":${JSON.stringify(total)}`}` +
    `${message === undefined ? "" : `,"message":${JSON.stringify(message)}`}}}`
  );
}

/** `call.log`. */
export function encodeCallLog(
  idJson: string,
  level: CallLogLevel,
  data: unknown,
  logger: string | undefined,
): string {
  return (
    `{"type":"call.log","id":${idJson},"payload":{"requestId":${idJson},"level":"${level}","data":${jsonOf(data)}` +
    `${logger === undefined ? "" : `,"logger":${JSON.stringify(logger)}`}}}`
  );
}

/** `call.error`. */
export function encodeCallError(idJson: string, error: WireError): string {
  return (
    `{"type":"call.error","id":${idJson},"payload":{"requestId":${idJson},"code":${JSON.stringify(error.code)},` +
    `"message":${JSON.stringify(error.message)}` +
    `${error.details === undefined ? "" : `,"details":${JSON.stringify(error.details)}`}}}`
  );
}

/** `call.aborted`; the reason is left out when undefined. */
export function encodeCallAborted(idJson: string, reason: string | undefined): string {
  return (
    `{"type":"call.aborted","id":${idJson},"payload":{"requestId":${idJson}` +
    `${reason === undefined ? "" : `,"reason":${JSON.stringify(reason)}`}}}`
  );
}
