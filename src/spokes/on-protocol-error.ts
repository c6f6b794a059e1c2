import type { Frame } from "../protocol/index.ts";
import type { SpokeSession } from "./session.ts";

/** Longest part of a peer's `protocol.error` message or ref that reaches the log. */
const LOGGED_CHARS = 200;

/**
 * `protocol.error` from the peer: it could not read something the hub sent. Nothing to answer; it is logged
 * (truncated) and spends the connection's bad-frame budget like any bad frame, so a flood of them closes the
 * connection (4400) after at most a budget's worth of log lines.
 */
export function onProtocolError(session: SpokeSession, frame: Frame<"protocol.error">): void {
  if (session.spendBadFrame("the peer keeps sending protocol.error frames")) return;
  session.log.warn("the peer rejected a frame from the hub", {
    message: frame.payload.message.slice(0, LOGGED_CHARS),
    ref: frame.payload.ref?.slice(0, LOGGED_CHARS),
  });
}
