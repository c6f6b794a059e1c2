import { type Frame, HubError } from "../protocol/index.ts";
import type { CallHandle } from "../router/index.ts";
import { WsCallSink } from "./caller-sink.ts";
import type { SessionDeps } from "./deps.ts";
import { handleRegister } from "./register.ts";
import type { SpokeSession } from "./session.ts";

// Holds a request id's place while the router takes the call, which may settle before `call` returns.
const STARTING: CallHandle = { abort() {} };

/** `call.requested` from a connection: `hub.register`, or a call through the calls facade. */
export function onCallRequested(
  session: SpokeSession,
  frame: Frame<"call.requested">,
  deps: SessionDeps,
): void {
  const { requestId, operation, input, deadline, progress, parentRequestId, trace } = frame.payload;
  if (session.outgoing.has(requestId)) {
    session.sendCallError(
      requestId,
      new HubError("VALIDATION_ERROR", `requestId "${requestId}" is already in flight`),
    );
    return;
  }
  if (operation === "hub.register") {
    void handleRegister(session, requestId, input, deps);
    return;
  }
  if (session.outgoing.size >= deps.sessionLimits.maxInFlightPerConnection) {
    const limit = deps.sessionLimits.maxInFlightPerConnection;
    session.sendCallError(
      requestId,
      new HubError("RATE_LIMITED", `${limit} calls already in flight on this connection`),
    );
    session.rateLimited();
    return;
  }
  session.outgoing.set(requestId, STARTING);
  const handle = deps.calls.call(
    { identity: session.identity, connectionId: session.connectionId, surface: "ws" },
    { operation, input, deadline, progress, parentRequestId, trace },
    new WsCallSink(session, requestId),
  );
  if (session.outgoing.get(requestId) === STARTING) session.outgoing.set(requestId, handle);
}
