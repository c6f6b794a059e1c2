import { checkFrameValue, HubError, jsonDepthExceeds, parseFrame } from "../protocol/index.ts";
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
  if (message instanceof Uint8Array || message instanceof ArrayBuffer) {
    session.protocolError("binary frames are not accepted; send JSON text frames");
    return;
  }
  const text = typeof message === "string" ? message : undefined;
  const maxDepth = deps.sessionLimits.maxJsonDepth;
  if (text !== undefined && jsonDepthExceeds(text, maxDepth)) {
    refuseDeepFrame(session, text, maxDepth);
    return;
  }
  const parsed = text !== undefined ? parseFrame(text) : checkFrameValue(message);
  if (!parsed.ok) {
    session.protocolError(parsed.error, parsed.ref);
    return;
  }
  const frame = parsed.frame;
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
