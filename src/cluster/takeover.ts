import type { Bus } from "../bus/index.ts";
import type { Logger } from "../log/index.ts";
import { encodeTakeover } from "./instance-messages.ts";

/**
 * The gateway's way to tell instance `instanceId` to close its connection that held `spokeName` (a connection
 * here took the name over). A message that cannot be sent is logged; the old claim lapses with its presence.
 */
export function takeoverSender(
  bus: Bus,
  log: Logger,
): (instanceId: string, spokeName: string, connectionId: string) => Promise<void> {
  return async (instanceId, spokeName, connectionId) => {
    await bus
      .sendToInstance(instanceId, encodeTakeover(bus.instanceId, spokeName, connectionId))
      .catch((error: unknown) => log.warn("could not tell an instance about a takeover", { error }));
  };
}
