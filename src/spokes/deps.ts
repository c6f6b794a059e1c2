import type { Catalog } from "../catalog/index.ts";
import type { Logger } from "../log/index.ts";
import type { Presence } from "../presence/index.ts";
import type { SpokeLimits } from "../protocol/index.ts";
import type { Calls, Router, SpokeReplyFrame } from "../router/index.ts";
import type { SessionLimits, SpokeSession } from "./session.ts";
import type { SpokeDirectory } from "./spoke-directory.ts";

/**
 * The owner's side of calls other instances' callers make to spokes connected here, as the sessions report to
 * it. It lives in `cluster/` (which knows the bus); the sessions only hand it what concerns it.
 */
export interface ForwardedCallsPort {
  /** A spoke's reply (`text` as received, already checked); false when that call was not forwarded here. */
  relay(session: SpokeSession, frame: SpokeReplyFrame, text: string): boolean;
  /** The spoke went away: the callers of its forwarded calls must hear it. */
  sessionClosed(session: SpokeSession): void;
  /** Resolves when no forwarded call is in flight, or after `timeoutMs`; returns how many still were. */
  waitIdle(timeoutMs: number): Promise<number>;
}

/** Everything the frame handlers of a /ws connection use. */
export interface SessionDeps {
  /** Where this connection's own calls go (the calls facade). */
  calls: Calls;
  /** Takes the replies of calls this connection serves, and hears when it closes. */
  router: Router;
  catalog: Catalog;
  directory: SpokeDirectory;
  /** Calls other instances sent to spokes connected here. */
  forwarded: ForwardedCallsPort;
  /** Cluster-wide ownership of spoke names. */
  presence: Presence;
  /** Tells another instance to close its connection that held a name this connection took over. */
  takeOverRemote(instanceId: string, spokeName: string, connectionId: string): Promise<void>;
  instanceId: string;
  heartbeatMs: number;
  /** Limits told to spokes at registration. */
  spokeLimits: SpokeLimits;
  sessionLimits: SessionLimits;
  log: Logger;
}
