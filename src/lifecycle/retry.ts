import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";

const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 2000;

/**
 * Calls `attempt` until it succeeds or `timeoutMs` has passed, backing off from 100 ms to 2 s with jitter, so
 * that `docker compose up` works without start-order tricks. Errors that are not `UnavailableError` (bad
 * configuration, say) are not retried. After the deadline the last error is rethrown.
 */
export async function retryUntilAvailable<T>(
  what: string,
  timeoutMs: number,
  log: Logger,
  attempt: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = FIRST_RETRY_DELAY_MS;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof UnavailableError)) throw error;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw error;
      log.warn(`${what} not reachable yet; retrying`, { attempt: tries, error });
      await Bun.sleep(Math.min(remaining, delay * (0.5 + Math.random())));
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}
