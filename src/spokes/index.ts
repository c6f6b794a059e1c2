export type { ForwardedCallsPort, SessionDeps } from "./deps.ts";
export { DRAIN_RETRY_AFTER_MS, SpokeGateway } from "./gateway.ts";
export type { SessionLimits, SpokeSession } from "./session.ts";
export type { ConnectionPhase, FrameSocket } from "./socket.ts";
export { SpokeDirectory } from "./spoke-directory.ts";
