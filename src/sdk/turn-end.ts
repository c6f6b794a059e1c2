/**
 * Writes gathered during one turn of the event loop, made together when the turn ends. A socket or pipe that is
 * written to many times in a turn (a burst of frames read in one system call, each answered or relayed) would
 * otherwise make one system call per write; the writer keeps what comes after the turn's first write and writes
 * it all at once here. One `setImmediate` serves every writer touched in the turn (a zero timer where the
 * runtime has none, as in browsers). The hub's `/ws` sockets, the SDK's connection and the bridge's stdio pipes
 * all write this way.
 */

/** A writer that has something to write when the turn ends. */
export interface TurnEndWriter {
  /** Writes what was kept during the turn. */
  flushTurn(): void;
  /** `flushTurn` threw: the writer is gone; what it kept is lost. */
  turnFlushFailed(error: unknown): void;
}

// Read off globalThis: the SDK is also typed and run without Node's globals (browsers).
const immediate = (globalThis as { setImmediate?: (run: () => void) => unknown }).setImmediate;
const atTurnEnd: (run: () => void) => void =
  typeof immediate === "function" ? (run) => immediate(run) : (run) => setTimeout(run, 0);

/** The writers touched in this turn, flushed together by one `setImmediate` when it ends. */
let touched: TurnEndWriter[] = [];

/** Has `writer.flushTurn()` called when this turn of the event loop ends; call once per writer and turn. */
export function flushAtTurnEnd(writer: TurnEndWriter): void {
  if (touched.length === 0) atTurnEnd(flushTouched);
  touched.push(writer);
}

function flushTouched(): void {
  const writers = touched;
  touched = [];
  for (const writer of writers) {
    try {
      writer.flushTurn();
    } catch (error) {
      // The other writers of this turn are still written.
      writer.turnFlushFailed(error);
    }
  }
}
