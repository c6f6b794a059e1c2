import type { Service } from "../lifecycle/index.ts";
import { CLOSE_CODES } from "../protocol/index.ts";
import type { SpokeSession } from "./session.ts";

/**
 * Pings every /ws connection each `intervalMs`; one silent for two intervals is closed with 1001. `onBeat`
 * runs after each round (the gateway refreshes its presence claims on the same schedule).
 *
 * A round that runs late (this process was starved of CPU, or paused by a long collection) closes nobody: the
 * peers' pongs may be waiting unread in this process's own queue, and blaming them would drop every connection at
 * once. Their silence is judged again at the next round, on time.
 */
export class Heartbeats implements Service {
  readonly name = "heartbeats";
  readonly #sessions: Iterable<SpokeSession>;
  readonly #intervalMs: number;
  readonly #onBeat: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lastBeatAt = 0;

  constructor(sessions: Iterable<SpokeSession>, intervalMs: number, onBeat: () => void) {
    this.#sessions = sessions;
    this.#intervalMs = intervalMs;
    this.#onBeat = onBeat;
  }

  start(): void {
    this.#lastBeatAt = Date.now();
    this.#timer = setInterval(() => this.#beat(), this.#intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #beat(): void {
    const now = Date.now();
    const late = now - this.#lastBeatAt > 1.5 * this.#intervalMs;
    this.#lastBeatAt = now;
    const silentSince = now - 2 * this.#intervalMs;
    for (const session of this.#sessions) {
      if (!late && session.lastSeenAt < silentSince)
        session.close(CLOSE_CODES.HEARTBEAT_LOST, "heartbeat lost");
      else session.ping();
    }
    this.#onBeat();
  }
}
