import {
  type CallLogLevel,
  encodeCallCompleted,
  encodeCallLog,
  encodeCallProgress,
  encodeCallResponded,
  type HubError,
  jsonOf,
} from "../protocol/index.ts";
import type { CallSink } from "../router/index.ts";
import type { SpokeSession } from "./session.ts";

/**
 * Writes what happens to one call back to the /ws connection that made it, under the caller's own request id
 * (encoded once, when the call starts).
 */
export class WsCallSink implements CallSink {
  readonly #session: SpokeSession;
  readonly #requestId: string;
  readonly #idJson: string;

  constructor(session: SpokeSession, requestId: string) {
    this.#session = session;
    this.#requestId = requestId;
    this.#idJson = JSON.stringify(requestId);
  }

  response(output: unknown, last: boolean): number {
    if (last) this.#session.outgoing.delete(this.#requestId);
    const frame = encodeCallResponded(this.#idJson, jsonOf(output));
    this.#session.send(frame);
    return frame.length;
  }

  progress(progress: number, total: number | undefined, message: string | undefined): void {
    this.#session.send(encodeCallProgress(this.#idJson, progress, total, message));
  }

  log(level: CallLogLevel, data: unknown, logger: string | undefined): void {
    this.#session.send(encodeCallLog(this.#idJson, level, data, logger));
  }

  complete(): void {
    this.#session.outgoing.delete(this.#requestId);
    this.#session.send(encodeCallCompleted(this.#idJson));
  }

  error(error: HubError): void {
    this.#session.outgoing.delete(this.#requestId);
    this.#session.sendCallError(this.#requestId, error);
  }
}
