import { UnavailableError } from "./errors.ts";

/**
 * Waits for `work` but gives up after `timeoutMs` with an `UnavailableError` naming `what`: a dependency that
 * stops answering (a frozen Redis, a blackholed Postgres) must fail its caller promptly, never hang it. The
 * abandoned promise may still settle later; its rejection is swallowed so it cannot crash the process.
 */
export async function withDeadline<T>(work: PromiseLike<T>, timeoutMs: number, what: string): Promise<T> {
  const running = Promise.resolve(work);
  running.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UnavailableError(`${what} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([running, late]);
  } finally {
    clearTimeout(timer);
  }
}
