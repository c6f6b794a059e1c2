import type { Catalog } from "../catalog/index.ts";
import type { Logger } from "../log/index.ts";
import type { SpokeLimits } from "../protocol/index.ts";
import type { Router } from "../router/index.ts";
import type { SessionLimits } from "./session.ts";
import type { SpokeDirectory } from "./spoke-directory.ts";

/** Everything the frame handlers of a /ws connection use. */
export interface SessionDeps {
  router: Router;
  catalog: Catalog;
  directory: SpokeDirectory;
  instanceId: string;
  heartbeatMs: number;
  /** Limits told to spokes at registration. */
  spokeLimits: SpokeLimits;
  sessionLimits: SessionLimits;
  log: Logger;
}
