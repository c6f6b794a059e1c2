import type { ServerWebSocket } from "bun";
import { joinFrames } from "../protocol/index.ts";
import { TurnEndWriter } from "../sdk/index.ts";
import type { FrameSocket } from "../spokes/index.ts";

/**
 * A /ws connection's `FrameSocket` that coalesces its writes: the first frame sent to the connection in a turn
 * of the event loop is written at once; any more in the same turn wait for the turn's end (`setImmediate`) and
 * are written together, corked into one write. A relay's sends mostly go to *another* socket than the one whose
 * frame is being handled (a call to its spoke, a reply to its caller), and Bun corks only the socket whose
 * callback is running: uncorked, every frame was a `send` system call of its own — half of the hub's sampled
 * CPU under 64 calls in flight (issue #11). One call at a time loses nothing (its frame goes at once); a busy
 * connection's frames leave in two writes a turn instead of one each, in order. On a connection that agreed
 * `alkhub.v1.batch` the queued frames also share WebSocket messages (one per line, `joinFrames`), which spares
 * the client a message event per frame.
 *
 * A frame written at once reports what the runtime said (0 when it dropped it: the peer reads too slowly). A
 * queued frame is reported as queued (-1); if the runtime drops one at the end of the turn, `onDropped` is
 * called and nothing more of that turn is written. `close` writes what is queued first, so a last frame (an
 * error, a notice) goes out before the close.
 */
export class CoalescingSocket extends TurnEndWriter<string> implements FrameSocket {
  readonly #raw: ServerWebSocket<unknown>;
  /** Whether the client agreed `alkhub.v1.batch`: a turn's queued frames then go as one message, one per line. */
  readonly #batch: boolean;
  /** Called once per turn in which the runtime dropped a queued frame. */
  onDropped: () => void = () => {};

  constructor(raw: ServerWebSocket<unknown>, batch = false) {
    super();
    this.#raw = raw;
    this.#batch = batch;
  }

  send(text: string): number {
    return this.keepForTurnEnd(text) ? -1 : this.#raw.send(text);
  }

  ping(): void {
    this.#raw.ping();
  }

  close(code: number, reason: string): void {
    this.flushTurn();
    this.#raw.close(code, reason);
  }

  /** Writes the queued frames; runs when the turn in which they were sent ends. */
  protected writeKept(frames: string[]): void {
    const messages = this.#batch && frames.length > 1 ? joinFrames(frames) : frames;
    const raw = this.#raw;
    let dropped = false;
    if (messages.length === 1) {
      dropped = raw.send(messages[0]!) === 0;
    } else {
      raw.cork(() => {
        for (const message of messages) {
          if (raw.send(message) === 0) {
            dropped = true;
            return;
          }
        }
      });
    }
    if (dropped) this.onDropped();
  }

  protected turnFlushFailed(): void {
    // The runtime refused the socket outright (it is gone): the frames are lost as if dropped.
    this.onDropped();
  }
}
