/**
 * Keeping the event loop free while a lot of work is due at once: the relay's frames, `/health` and every
 * other request share this one thread, so work that arrives in bulk is done in slices with the loop in between.
 */

/** Lets the event loop run whatever is waiting (I/O, timers) before the caller goes on. */
export const yieldToLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Calls `settle` for each item, yielding to the event loop after every `sliceSize` of them. Resolving hundreds
 * of promises in one go runs all their continuations in one microtask checkpoint, and nothing else runs until
 * they are done: a batch of 200 registrations written together held the loop for ~0.2 s on a busy box.
 */
export async function settleInSlices<T>(
  items: readonly T[],
  sliceSize: number,
  settle: (item: T, index: number) => void,
): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % sliceSize === 0) await yieldToLoop();
    settle(items[i]!, i);
  }
}
