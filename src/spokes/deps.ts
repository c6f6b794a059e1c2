import type { Catalog } from "../catalog/index.ts";
import type { KeyLimits } from "../limits/index.ts";
import type { Logger } from "../log/index.ts";
import type { Presence } from "../presence/index.ts";
import type { SpokeLimits } from "../protocol/index.ts";
import type { Router } from "../router/index.ts";
import type { ForwardedCalls } from "./forwarded-calls.ts";
import type { SessionLimits } from "./session.ts";
import type { SpokeDirectory } from "./spoke-directory.ts";

/** Everything the frame handlers of a /ws connection use. */
export interface SessionDeps {
  router: Router;
  catalog: Catalog;
  directory: SpokeDirectory;
  /** Calls other instances sent to spokes connected here. */
  forwarded: ForwardedCalls;
  /** Cluster-wide ownership of spoke names. */
  presence: Presence;
  /** Tells another instance to close its connection that held a name this connection took over. */
  takeOverRemote(instanceId: string, spokeName: string, connectionId: string): Promise<void>;
  instanceId: string;
  heartbeatMs: number;
  /** Limits told to spokes at registration. */
  spokeLimits: SpokeLimits;
  sessionLimits: SessionLimits;
  /** Per-key caps: each connection holds one of its key's `/ws` connections. */
  limits: KeyLimits;
  log: Logger;
}
