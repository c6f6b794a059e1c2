import type { CallLogLevel, HubError } from "../protocol/index.ts";
import type { CallSink } from "../router/index.ts";
import type { SpokeSession } from "./session.ts";

/**
 * Writes what happens to one call back to the /ws connection that made it, under the caller's own request id.
 * Frames are built as strings around the one value that needs encoding.
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
    const encoded = output === undefined ? "null" : JSON.stringify(output);
    const frame = `{"type":"call.responded","id":${this.#idJson},"payload":{"requestId":${this.#idJson},"output":${encoded}}}`;
    this.#session.send(frame);
    return frame.length;
  }

  progress(progress: number, total: number | undefined, message: string | undefined): void {
    const payload: Record<string, unknown> = { requestId: this.#requestId, progress };
    if (total !== undefined) payload.total = total;
    if (message !== undefined) payload.message = message;
    this.#session.send(`{"type":"call.progress","id":${this.#idJson},"payload":${JSON.stringify(payload)}}`);
  }

  log(level: CallLogLevel, data: unknown, logger: string | undefined): void {
    const payload: Record<string, unknown> = { requestId: this.#requestId, level, data };
    if (logger !== undefined) payload.logger = logger;
    this.#session.send(`{"type":"call.log","id":${this.#idJson},"payload":${JSON.stringify(payload)}}`);
  }

  complete(): void {
    this.#session.outgoing.delete(this.#requestId);
    this.#session.send(
      `{"type":"call.completed","id":${this.#idJson},"payload":{"requestId":${this.#idJson}}}`,
    );
  }

  error(error: HubError): void {
    this.#session.outgoing.delete(this.#requestId);
    this.#session.sendCallError(this.#requestId, error);
  }
}
