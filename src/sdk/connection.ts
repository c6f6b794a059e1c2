/**
 * One WebSocket to the hub: sends frames (size-checked), reads and dispatches frames, registers, and on close
 * settles both call tables at once. The spoke owns the reconnect loop; a connection never reopens itself.
 */
import {
  BATCH_SUBPROTOCOL,
  batchedFrames,
  DEFAULT_SPOKE_LIMITS,
  encodeFrame,
  type FramePayloads,
  type FrameType,
  type FromHubFrame,
  HubError,
  type HubRegisterInput,
  type HubRegisterOutput,
  joinFrames,
  MAX_BATCH_CHARS,
  parseFrame,
  registerOutputChecker,
} from "../protocol/index.ts";
import { SpokeProtocolError } from "./errors.ts";
import type { ConcurrencyGate } from "./gate.ts";
import { ServedCalls } from "./incoming.ts";
import type { OtelApi } from "./otel.ts";
import { PendingCalls } from "./outgoing.ts";
import { TurnEndWriter } from "./turn-end.ts";
import type { AnyOperationDef, SpokeLogger } from "./types.ts";

/** What a connection needs from its spoke. */
export interface ConnectionDeps {
  spokeName: string;
  operations: ReadonlyMap<string, AnyOperationDef>;
  gate: ConcurrencyGate;
  logger: SpokeLogger;
  /** `@opentelemetry/api` when loaded: served calls get spans. */
  otel?: OtelApi;
  /** A non-fatal problem worth a status event (bad frame, `protocol.error` from the hub). */
  onError(error: Error): void;
}

/** How the socket ended. */
export interface SocketEnd {
  code: number;
  reason: string;
}

/**
 * A connection to the hub and its two call tables. When the hub agreed `alkhub.v1.batch`, the first frame of a
 * turn of the event loop is sent at once and the turn's others together when it ends, one per line in as few
 * messages as the hub's frame limit allows (a spoke answering a burst of calls makes one system call, not one a
 * reply); messages from the hub may hold several frames too.
 */
export class HubConnection extends TurnEndWriter<string> {
  readonly pending: PendingCalls;
  readonly served: ServedCalls;
  /** Resolves when the socket has closed (after both tables were settled). */
  readonly ended: Promise<SocketEnd>;
  /** Resolves with `retryAfterMs` when the hub sends `hub.draining`. */
  readonly drainNotice: Promise<number>;
  #ws: WebSocket;
  #deps: ConnectionDeps;
  #maxFrameBytes = DEFAULT_SPOKE_LIMITS.maxFrameBytes;
  #notifyDrain: (retryAfterMs: number) => void = () => {};
  #closedWith: SocketEnd | undefined;
  readonly #batch: boolean;

  constructor(ws: WebSocket, deps: ConnectionDeps) {
    super();
    this.#ws = ws;
    this.#deps = deps;
    this.#batch = ws.protocol === BATCH_SUBPROTOCOL;
    const send = this.send.bind(this);
    this.pending = new PendingCalls(send);
    this.served = new ServedCalls({ ...deps, send, pending: this.pending });
    this.drainNotice = new Promise((resolve) => (this.#notifyDrain = resolve));
    this.ended = new Promise((resolve) => {
      ws.addEventListener("close", (event) => {
        this.#closedWith = { code: event.code, reason: event.reason };
        this.#settle(
          `the connection to the hub closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`,
        );
        resolve({ code: event.code, reason: event.reason });
      });
    });
    ws.addEventListener("message", (event) => this.#onMessage(event.data));
  }

  /** How the socket closed, once it has (set before the call tables are settled). */
  get closedWith(): SocketEnd | undefined {
    return this.#closedWith;
  }

  /** Sends one frame; returns why it was not sent (socket not open, too large, not JSON), else `undefined`. */
  send<T extends FrameType>(type: T, id: string, payload: FramePayloads[T]): HubError | undefined {
    if (this.#ws.readyState !== 1) {
      return new HubError("SPOKE_DISCONNECTED", "not connected to the hub");
    }
    let text: string;
    try {
      text = encodeFrame(type, id, payload);
    } catch (error) {
      return new HubError("VALIDATION_ERROR", `${type} payload is not serialisable as JSON`, {
        cause: error,
      });
    }
    // Cheap bound first: a UTF-16 code unit is at most 3 UTF-8 bytes.
    if (text.length * 3 > this.#maxFrameBytes) {
      const bytes = new TextEncoder().encode(text).length;
      if (bytes > this.#maxFrameBytes) {
        return new HubError(
          "PAYLOAD_TOO_LARGE",
          `${type} frame is ${bytes} bytes; the hub accepts at most ${this.#maxFrameBytes}`,
        );
      }
    }
    if (!this.#batch || !this.keepForTurnEnd(text)) this.#ws.send(text);
    return undefined;
  }

  /** Sends the frames kept in this turn, as few messages as the hub's frame limit allows; runs when it ends. */
  protected writeKept(kept: string[]): void {
    if (this.#ws.readyState !== 1) return;
    const maxChars = Math.min(MAX_BATCH_CHARS, Math.floor(this.#maxFrameBytes / 3));
    for (const message of kept.length === 1 ? kept : joinFrames(kept, maxChars)) this.#ws.send(message);
  }

  protected turnFlushFailed(error: unknown): void {
    this.#deps.onError(error instanceof Error ? error : new Error(String(error)));
  }

  /** Calls `hub.register` and checks the answer; rejects with the hub's `HubError` (e.g. `NAME_TAKEN`). */
  async register(input: HubRegisterInput, timeoutMs: number): Promise<HubRegisterOutput> {
    const output = await this.pending.call("hub.register", input, { timeoutMs });
    const problem = registerOutputChecker().explain(output, "hub.register output");
    if (problem !== undefined)
      throw new SpokeProtocolError(`the hub answered hub.register badly: ${problem}`);
    const registration = output as HubRegisterOutput;
    this.#maxFrameBytes = registration.limits.maxFrameBytes;
    return registration;
  }

  /** Settles everything now and closes the socket with `code`. */
  close(code: number, reason: string): void {
    this.#settle(reason);
    this.flushTurn();
    try {
      this.#ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  /** Resolves when no handler runs and no call of ours is pending. */
  async idle(): Promise<void> {
    while (this.served.size > 0 || this.pending.size > 0) {
      await Promise.all([this.served.idle(), this.pending.idle()]);
    }
  }

  #settle(reason: string): void {
    this.served.stopAccepting();
    this.served.abortAll(new HubError("SPOKE_DISCONNECTED", reason));
    this.pending.rejectAll(
      (operation) => new HubError("SPOKE_DISCONNECTED", `${reason} before "${operation}" answered`),
    );
  }

  #onMessage(data: unknown): void {
    if (typeof data !== "string") {
      this.#reportBadFrame("binary frames are not supported");
      return;
    }
    if (this.#batch && data.includes("\n")) {
      for (const frame of batchedFrames(data)) this.#onFrame(frame);
    } else {
      this.#onFrame(data);
    }
  }

  #onFrame(data: string): void {
    const parsed = parseFrame(data, "from-hub");
    if (!parsed.ok) {
      this.#reportBadFrame(parsed.error, parsed.ref);
      return;
    }
    this.#dispatch(parsed.frame);
  }

  #dispatch(frame: FromHubFrame): void {
    switch (frame.type) {
      case "call.requested":
        this.served.handle(frame.id, frame.payload);
        return;
      case "call.aborted":
        if (!this.served.abort(frame.id, frame.payload.reason)) this.pending.handle(frame);
        return;
      case "call.responded":
      case "call.completed":
      case "call.progress":
      case "call.log":
      case "call.error":
        // Replies to calls we already gave up on (abort, timeout) are expected; drop them.
        this.pending.handle(frame);
        return;
      case "hub.draining":
        this.#notifyDrain(frame.payload.retryAfterMs);
        return;
      case "protocol.error": {
        const { message, ref } = frame.payload;
        if (ref !== undefined) {
          this.pending.fail(
            ref,
            new HubError("UNKNOWN_ERROR", `the hub rejected the request frame: ${message}`),
          );
        }
        this.#deps.onError(new SpokeProtocolError(`the hub reported a protocol error: ${message}`));
        return;
      }
    }
  }

  #reportBadFrame(error: string, ref?: string): void {
    this.send(
      "protocol.error",
      globalThis.crypto.randomUUID(),
      ref === undefined ? { message: error } : { message: error, ref },
    );
    this.#deps.onError(new SpokeProtocolError(`the hub sent an invalid frame: ${error}`));
  }
}
