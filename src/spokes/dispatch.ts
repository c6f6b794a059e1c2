import { checkFrameValue, parseFrame } from "../protocol/index.ts";
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
