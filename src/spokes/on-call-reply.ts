import type { Frame } from "../protocol/index.ts";
import type { SessionDeps } from "./deps.ts";
import type { SpokeSession } from "./session.ts";

/**
 * `call.responded`, `call.completed`, `call.progress` and `call.error` from a spoke about a call it serves.
 * `text` is the frame as received (relayed as it is when another instance's caller made the call). A frame for
 * a call that already ended (a late answer after a timeout, say) is dropped quietly.
 */
export function onCallReply(
  session: SpokeSession,
  frame: Frame<"call.responded" | "call.completed" | "call.progress" | "call.log" | "call.error">,
  text: string,
  deps: SessionDeps,
): void {
  if (!deps.router.onSpokeFrame(session, frame) && !deps.forwarded.relay(session, frame, text)) {
    session.log.debug("frame for a call that is not in flight", { type: frame.type, id: frame.id });
  }
}
