/**
 * Reading and writing frames. `parseFrame` never throws: every failure becomes text naming what was wrong,
 * ready to send back in a `protocol.error` frame with `ref` set to the offending frame's id.
 */
import type { TSchema } from "@sinclair/typebox";
import {
  CALL_FRAME_TYPES,
  CallAbortedPayload,
  CallCompletedPayload,
  CallErrorPayload,
  CallLogPayload,
  CallProgressPayload,
  CallRequestedPayload,
  CallRespondedPayload,
  FRAME_SENDERS,
  FRAME_TYPES,
  type FrameDirection,
  type FramePayloads,
  type FrameType,
  type FromHubFrame,
  HubCallRequestedPayload,
  HubDrainingPayload,
  MAX_ID_LENGTH,
  ProtocolErrorPayload,
  type ToHubFrame,
} from "./frames.ts";
import { compileChecker, type SchemaChecker } from "./schema-check.ts";

/** Result of `parseFrame`: the frame, or what was wrong with it (and the frame's id when it could be read). */
export type ParseResult<F> = { ok: true; frame: F } | { ok: false; error: string; ref?: string };

const PAYLOAD_SCHEMAS: Record<FrameType, TSchema> = {
  "call.requested": CallRequestedPayload,
  "call.responded": CallRespondedPayload,
  "call.completed": CallCompletedPayload,
  "call.progress": CallProgressPayload,
  "call.log": CallLogPayload,
  "call.error": CallErrorPayload,
  "call.aborted": CallAbortedPayload,
  "hub.draining": HubDrainingPayload,
  "protocol.error": ProtocolErrorPayload,
};

// Pure, lazily filled caches (compiling every schema up front would be work done at import time), one per
// direction so a lookup on the hot path builds no key string.
const checkers: Record<FrameDirection, Map<FrameType, SchemaChecker<TSchema>>> = {
  "to-hub": new Map(),
  "from-hub": new Map(),
};

/**
 * The compiled payload checker for one frame type as it travels in `direction` (default `to-hub`). The only
 * difference between directions: `call.requested` from the hub must carry `caller`.
 */
export function frameChecker(type: FrameType, direction: FrameDirection = "to-hub"): SchemaChecker<TSchema> {
  let checker = checkers[direction].get(type);
  if (!checker) {
    const schema =
      type === "call.requested" && direction === "from-hub" ? HubCallRequestedPayload : PAYLOAD_SCHEMAS[type];
    checker = compileChecker(schema);
    checkers[direction].set(type, checker);
  }
  return checker;
}

const FRAME_TYPE_SET: ReadonlySet<string> = new Set(FRAME_TYPES);

/** True when `value` names a frame type of this protocol version. */
export function isFrameType(value: unknown): value is FrameType {
  return typeof value === "string" && FRAME_TYPE_SET.has(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  return Array.isArray(value) ? "array" : typeof value;
}

/**
 * Parses one text frame received in `direction`: `to-hub` (default; what the hub reads) or `from-hub` (what a
 * spoke reads). Never throws.
 */
export function parseFrame(text: string, direction?: "to-hub"): ParseResult<ToHubFrame>;
export function parseFrame(text: string, direction: "from-hub"): ParseResult<FromHubFrame>;
export function parseFrame(
  text: string,
  direction: FrameDirection = "to-hub",
): ParseResult<ToHubFrame | FromHubFrame> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "frame is not valid JSON" };
  }
  return checkFrameValue(value, direction as "to-hub");
}

/**
 * Checks a frame that is already parsed from JSON (Elysia parses text frames before the hub sees them), with
 * the same rules and messages as `parseFrame`. Never throws.
 */
export function checkFrameValue(value: unknown, direction?: "to-hub"): ParseResult<ToHubFrame>;
export function checkFrameValue(value: unknown, direction: "from-hub"): ParseResult<FromHubFrame>;
export function checkFrameValue(
  value: unknown,
  direction: FrameDirection = "to-hub",
): ParseResult<ToHubFrame | FromHubFrame> {
  if (kindOf(value) !== "object") {
    return { ok: false, error: `frame must be a JSON object, got ${kindOf(value)}` };
  }
  const { type, id, payload } = value as Record<string, unknown>;
  if (isPlainReply(type, id, payload)) {
    return { ok: true, frame: { type, id, payload } as ToHubFrame | FromHubFrame };
  }
  const ref = typeof id === "string" && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : undefined;
  const fail = (error: string): ParseResult<never> =>
    ref === undefined ? { ok: false, error } : { ok: false, error, ref };

  if (typeof type !== "string") return fail(`frame.type must be a string, got ${kindOf(type)}`);
  if (!isFrameType(type)) return fail(`unknown frame type ${JSON.stringify(type.slice(0, 64))}`);
  if (direction === "to-hub" && FRAME_SENDERS[type] === "hub") {
    return fail(`frame type "${type}" is only sent by the hub`);
  }
  if (ref === undefined) {
    return fail(`${type} frame: id must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  if (kindOf(payload) !== "object") {
    return fail(`${type} frame: payload must be a JSON object, got ${kindOf(payload)}`);
  }
  const problem = frameChecker(type, direction).explain(payload, "payload");
  if (problem !== undefined) return fail(`${type} frame: ${problem}`);
  if (CALL_FRAME_TYPES.has(type) && (payload as { requestId: string }).requestId !== id) {
    return fail(`${type} frame: payload.requestId must equal the frame id`);
  }
  return { ok: true, frame: { type, id, payload } as ToHubFrame | FromHubFrame };
}

/**
 * The frames every call carries back — `call.responded` and `call.completed` — checked by hand with exactly the
 * rules of their schemas (a payload object whose `requestId` equals the frame's valid id, and for `call.responded`
 * an `output` key), so the relay's fast path runs no schema checker. Anything else, or anything wrong, takes the
 * full path, which also says what is wrong.
 */
function isPlainReply(type: unknown, id: unknown, payload: unknown): boolean {
  if (type !== "call.responded" && type !== "call.completed") return false;
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) return false;
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return false;
  if ((payload as { requestId?: unknown }).requestId !== id) return false;
  return type === "call.completed" || "output" in payload;
}

/** Serialises one frame. For call frames `id` should be the call's `requestId`. */
export function encodeFrame<T extends FrameType>(type: T, id: string, payload: FramePayloads[T]): string {
  return JSON.stringify({ type, id, payload });
}
