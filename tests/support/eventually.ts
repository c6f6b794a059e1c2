/**
 * How long a test waits for something that should happen soon, unless it says otherwise. Generous on purpose:
 * the bound only decides how long a *failing* test takes, and a busy machine (another build, a CPU hog beside
 * the suite) can stretch "soon" well past a few seconds. Tests wait on events, never on this clock.
 */
export const EVENT_WAIT_MS = 15_000;

/**
 * Retries `check` until it stops throwing (or returns something other than `false`), or `timeoutMs` passes;
 * then rethrows its last error. Use it instead of sleeps when waiting for something asynchronous to settle.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<Exclude<T, false>> {
  const deadline = Date.now() + (options.timeoutMs ?? EVENT_WAIT_MS);
  const interval = options.intervalMs ?? 25;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value as Exclude<T, false>;
      lastError = new Error(`${options.what ?? "condition"} was still false`);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(
        `eventually: ${options.what ?? "condition"} not met in ${options.timeoutMs ?? EVENT_WAIT_MS} ms: ${reason}`,
        {
          cause: lastError,
        },
      );
    }
    await Bun.sleep(interval);
  }
}
