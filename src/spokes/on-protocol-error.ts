import type { Frame } from "../protocol/index.ts";
import type { SpokeSession } from "./session.ts";

/** `protocol.error` from the peer: it could not read something the hub sent. Logged; nothing to answer. */
export function onProtocolError(session: SpokeSession, frame: Frame<"protocol.error">): void {
  session.log.warn("the peer rejected a frame from the hub", {
    message: frame.payload.message.slice(0, 500),
    ref: frame.payload.ref,
  });
}
