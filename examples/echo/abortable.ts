/** Timers that stop when a call's `AbortSignal` fires. Runtime-neutral (no Bun or Node APIs). */

/** The error a handler rejects with when its call is aborted: the signal's reason, or an `AbortError`. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === "string" ? reason : "the call was aborted", "AbortError");
}

/**
 * Waits `ms` milliseconds, calling `onTick(elapsedMs)` every `tickMs` (if given). Rejects with `abortError`
 * as soon as `signal` aborts (at once if it already has); no timer is left behind either way.
 */
export function abortableDelay(
  ms: number,
  signal: AbortSignal,
  tick?: { everyMs: number; onTick: (elapsedMs: number) => void },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const started = performance.now();
    const cleanup = () => {
      clearTimeout(timer);
      if (interval !== undefined) clearInterval(interval);
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      cleanup();
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      cleanup();
      resolve();
    }, ms);
    const interval =
      tick === undefined
        ? undefined
        : setInterval(() => tick.onTick(Math.min(ms, Math.round(performance.now() - started))), tick.everyMs);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
