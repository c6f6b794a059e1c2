import { UnavailableError } from "./errors.ts";

/**
 * After the deadline passes, how long the answer still gets before it counts as missing, in milliseconds: when
 * the event loop was blocked past the deadline, the answer may be sitting unread on its socket, and one more
 * turn of the loop reads it (a busy hub must not call a healthy Redis frozen).
 */
const LATE_READ_GRACE_MS = 20;

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
    const fail = () => reject(new UnavailableError(`${what} did not answer within ${timeoutMs} ms`));
    timer = setTimeout(() => {
      timer = setTimeout(fail, LATE_READ_GRACE_MS);
    }, timeoutMs);
  });
  try {
    return await Promise.race([running, late]);
  } finally {
    clearTimeout(timer);
  }
}
