/**
 * Writes gathered during one turn of the event loop, made together when the turn ends. A socket or pipe that is
 * written to many times in a turn (a burst of frames read in one system call, each answered or relayed) would
 * otherwise make one system call per write. A `TurnEndWriter` writes the turn's first item at once (one call at
 * a time waits for nothing) and keeps the rest for the turn's end, when `writeKept` gets them together. One
 * `setImmediate` serves every writer touched in the turn (a zero timer where the runtime has none, as in
 * browsers). The hub's `/ws` sockets, the SDK's connection and the bridge's stdio pipes all write this way.
 */

/**
 * The turn's bookkeeping of one writer. A base class rather than an object the writer holds, so that the hub's
 * 15,000 idle sockets each carry two fields, not another object and its callbacks.
 */
export abstract class TurnEndWriter<T> {
  /** Whether an item was written in this turn (the next ones of the turn are kept). */
  #wroteThisTurn = false;
  /** Items kept in this turn; made on the first one. */
  #kept: T[] | undefined;

  /**
   * Whether `item` is kept for the end of the turn. `false`: it is the turn's first, and the caller writes it
   * now.
   */
  protected keepForTurnEnd(item: T): boolean {
    if (this.#wroteThisTurn) {
      if (this.#kept === undefined) this.#kept = [item];
      else this.#kept.push(item);
      return true;
    }
    this.#wroteThisTurn = true;
    if (touched.length === 0) atTurnEnd(flushTouched);
    touched.push(this);
    return false;
  }

  /** Writes what the turn kept: when the turn ends, or before a close. */
  flushTurn(): void {
    this.#wroteThisTurn = false;
    const kept = this.#kept;
    if (kept === undefined) return;
    this.#kept = undefined;
    this.writeKept(kept);
  }

  /** Writes the items kept in a turn, in order. */
  protected abstract writeKept(kept: T[]): void;

  /** `writeKept` threw at the turn's end: the writer is gone; what it kept is lost. */
  protected abstract turnFlushFailed(error: unknown): void;

  /** For the turn's end only: runs `flushTurn`, reporting a throw to the writer. */
  static flush(writer: TurnEndWriter<unknown>): void {
    try {
      writer.flushTurn();
    } catch (error) {
      // The other writers of this turn are still written.
      writer.turnFlushFailed(error);
    }
  }
}

// Read off globalThis: the SDK is also typed and run without Node's globals (browsers).
const immediate = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate;
const atTurnEnd: (run: () => void) => void =
  typeof immediate === "function" ? (run) => immediate(run) : (run) => setTimeout(run, 0);

/** The writers touched in this turn, flushed together by one `setImmediate` when it ends. */
let touched: TurnEndWriter<unknown>[] = [];

function flushTouched(): void {
  const writers = touched;
  touched = [];
  for (const writer of writers) TurnEndWriter.flush(writer);
}
