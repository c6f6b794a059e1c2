/** A hand-written `CallContext` for calling handlers directly in tests, without a hub. */
import { type CallContext, HubError, type ProgressUpdate } from "@alkdev/hub/spoke";

/** A fake context plus the controls a test needs. */
export interface FakeCallContext {
  ctx: CallContext;
  /** Aborts `ctx.signal` (as the hub's `call.aborted` would). */
  controller: AbortController;
  /** Every `ctx.progress(…)` call, in order. */
  progress: ProgressUpdate[];
  /** Resolves when `ctx.progress` has been called at least `count` times. */
  progressReached(count: number): Promise<void>;
}

/**
 * Builds a context for operation `operation` whose signal the test controls and whose progress calls are
 * collected. `ctx.call` and `ctx.subscribe` reject: the examples never call other operations.
 */
export function fakeCallContext(operation = "test"): FakeCallContext {
  const controller = new AbortController();
  const progress: ProgressUpdate[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const ctx: CallContext = {
    requestId: crypto.randomUUID(),
    operation,
    signal: controller.signal,
    caller: { id: "key_test", scopes: ["call"] },
    deadline: undefined,
    // The examples report progress whenever they make any; the test collects it.
    wantsProgress: true,
    log() {
      // The examples log nothing; a test that needs logs can wrap this context.
    },
    progress(value, total, message) {
      const update: ProgressUpdate = { progress: value };
      if (total !== undefined) update.total = total;
      if (message !== undefined) update.message = message;
      progress.push(update);
      for (const waiter of waiters.filter((w) => progress.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    call: () => Promise.reject(new HubError("UNAVAILABLE", "no hub in this test")),
    subscribe: () => ({
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.reject(new HubError("UNAVAILABLE", "no hub in this test")),
      }),
    }),
  };
  const progressReached = (count: number) =>
    progress.length >= count
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          waiters.push({ count, resolve });
        });
  return { ctx, controller, progress, progressReached };
}
