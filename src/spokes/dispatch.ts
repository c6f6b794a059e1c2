import {
  checkFrameValue,
  FRAME_TYPES,
  type Frame,
  type FrameType,
  HubError,
  jsonDepthExceeds,
  parseFrame,
} from "../protocol/index.ts";
import type { SessionDeps } from "./deps.ts";
import { onCallAborted } from "./on-call-aborted.ts";
import { onCallReply } from "./on-call-reply.ts";
import { onCallRequested } from "./on-call-requested.ts";
import { onProtocolError } from "./on-protocol-error.ts";
import type { SpokeSession } from "./session.ts";

/**
 * Routes one inbound message to its handler. `message` is a text frame as received, or a binary frame's bytes
 * (refused); an already parsed value is accepted too.
 */
export function dispatchMessage(session: SpokeSession, message: unknown, deps: SessionDeps): void {
  session.lastSeenAt = Date.now();
  if (session.phase === "closing" || session.phase === "closed") return;
  const started = performance.now();
  const handled = handleMessage(session, message, deps);
  deps.timer.record(handled, performance.now() - started);
}

/** Handles one message; returns the handler kind it went to (`ws:<frame type>`, `ws:bad-frame`), for timing. */
function handleMessage(session: SpokeSession, message: unknown, deps: SessionDeps): string {
  if (message instanceof Uint8Array || message instanceof ArrayBuffer) {
    session.protocolError("binary frames are not accepted; send JSON text frames");
    return "ws:bad-frame";
  }
  const text = typeof message === "string" ? message : undefined;
  const maxDepth = deps.sessionLimits.maxJsonDepth;
  if (text !== undefined && jsonDepthExceeds(text, maxDepth)) {
    refuseDeepFrame(session, text, maxDepth);
    return "ws:bad-frame";
  }
  const parsed = text !== undefined ? parseFrame(text) : checkFrameValue(message);
  if (!parsed.ok) {
    session.protocolError(parsed.error, parsed.ref);
    return "ws:bad-frame";
  }
  const frame = parsed.frame;
  handleFrame(session, frame, text, deps);
  return frame.type === "call.requested" && frame.payload.operation === "hub.register"
    ? "ws:hub.register"
    : HANDLER_KINDS[frame.type];
}

/** The handler kind of each frame type, made once: a name built per frame would be a string per frame. */
const HANDLER_KINDS = Object.fromEntries(FRAME_TYPES.map((type) => [type, `ws:${type}`])) as Record<
  FrameType,
  string
>;

/** `text`: the frame as received, when it came as text (relayed as is). */
function handleFrame(session: SpokeSession, frame: Frame, text: string | undefined, deps: SessionDeps): void {
  switch (frame.type) {
    case "call.requested":
      onCallRequested(session, frame, deps);
      return;
    case "call.responded":
    case "call.completed":
    case "call.progress":
    case "call.log":
    case "call.error":
      onCallReply(session, frame, text ?? JSON.stringify(frame), deps);
      return;
    case "call.aborted":
      onCallAborted(session, frame, text ?? JSON.stringify(frame), deps);
      return;
    case "protocol.error":
      onProtocolError(session, frame);
      return;
  }
}

/** The id of a `call.requested` frame, read from its head without parsing it. */
const CALL_HEAD = /^\s*\{\s*"type"\s*:\s*"call\.requested"\s*,\s*"id"\s*:\s*"([^"\\]{1,128})"/;

/**
 * A frame nested deeper than the limit is never parsed (that alone would hold the loop for as long as the
 * attacker likes). A call whose id can be read from the frame's head gets its `VALIDATION_ERROR`; anything else
 * is a bad frame.
 */
function refuseDeepFrame(session: SpokeSession, text: string, maxDepth: number): void {
  const requestId = CALL_HEAD.exec(text.slice(0, 300))?.[1];
  const tooDeep = `nests deeper than ${maxDepth} levels (limits.maxJsonDepth)`;
  if (requestId === undefined) session.protocolError(`the frame ${tooDeep}`);
  else session.sendCallError(requestId, new HubError("VALIDATION_ERROR", `the input ${tooDeep}`));
}
