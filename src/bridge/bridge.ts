/** A bridge process: one `ServerBridge` per server of a plan, each supervised on its own. */
import type { Logger } from "../log/index.ts";
import type { BridgePlan } from "./config.ts";
import { ServerBridge } from "./server-bridge.ts";

/** The running servers of one bridge process. */
export interface RunningBridge {
  readonly servers: readonly ServerBridge[];
  /** Closes every spoke and stops every child. */
  close(): Promise<void>;
}

/** Starts every server of `plan`; a server that cannot start is logged and retried, never fatal to others. */
export async function startBridge(plan: BridgePlan, log: Logger): Promise<RunningBridge> {
  const servers = plan.servers.map(
    (server) =>
      new ServerBridge({
        name: server.name,
        target: server.target,
        hub: { url: plan.hubUrl, token: plan.token },
        log: log.child({ spoke: server.name }),
        ...(plan.initializeTimeoutMs ? { initializeTimeoutMs: plan.initializeTimeoutMs } : {}),
      }),
  );
  await Promise.all(servers.map((server) => server.start()));
  return {
    servers,
    close: async () => {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}
