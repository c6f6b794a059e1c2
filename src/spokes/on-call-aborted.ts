import type { Frame } from "../protocol/index.ts";
import type { SessionDeps } from "./deps.ts";
import type { SpokeSession } from "./session.ts";

/**
 * `call.aborted` either stops a call this connection made (its own request id), or — from a spoke — gives up a
 * call it serves (the hub's id).
 */
export function onCallAborted(
  session: SpokeSession,
  frame: Frame<"call.aborted">,
  text: string,
  deps: SessionDeps,
): void {
  const own = session.outgoing.get(frame.id);
  if (own) {
    own.abort(frame.payload.reason ?? "aborted by the caller");
    return;
  }
  if (!deps.router.onSpokeFrame(session, frame)) deps.forwarded.relay(session, frame, text);
}
