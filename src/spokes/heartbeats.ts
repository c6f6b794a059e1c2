import type { Service } from "../lifecycle/index.ts";
import { CLOSE_CODES } from "../protocol/index.ts";
import type { SpokeSession } from "./session.ts";

/**
 * Pings every /ws connection each `intervalMs`; one silent for two intervals is closed with 1001. `onBeat`
 * runs after each round (the gateway refreshes its presence claims on the same schedule).
 */
export class Heartbeats implements Service {
  readonly name = "heartbeats";
  readonly #sessions: Iterable<SpokeSession>;
  readonly #intervalMs: number;
  readonly #onBeat: () => void;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(sessions: Iterable<SpokeSession>, intervalMs: number, onBeat: () => void) {
    this.#sessions = sessions;
    this.#intervalMs = intervalMs;
    this.#onBeat = onBeat;
  }

  start(): void {
    this.#timer = setInterval(() => this.#beat(), this.#intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #beat(): void {
    const silentSince = Date.now() - 2 * this.#intervalMs;
    for (const session of this.#sessions) {
      if (session.lastSeenAt < silentSince) session.close(CLOSE_CODES.HEARTBEAT_LOST, "heartbeat lost");
      else session.ping();
    }
    this.#onBeat();
  }
}
