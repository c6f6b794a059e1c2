/**
 * A small raw WebSocket client for the hub's `/ws` endpoint in integration tests: connects with headers or
 * subprotocols, sends text and binary frames, keeps every frame it receives, and reports the close code. It
 * speaks the wire format directly (no SDK), so tests see exactly what the hub sends.
 */
import { BATCH_SUBPROTOCOL, batchedFrames, bearerSubprotocols } from "../../src/protocol/index.ts";
import { EVENT_WAIT_MS, eventually } from "./eventually.ts";

/** One frame as received (text frames that parse as JSON objects). */
export interface WsFrame {
  type: string;
  id: string;
  payload: Record<string, unknown>;
}

/** How a connection ended. */
export interface WsClose {
  code: number;
  reason: string;
}

/** How to authenticate: a bearer header (default), the subprotocol pair, or nothing. */
export interface WsConnectOptions {
  token?: string;
  auth?: "header" | "subprotocol";
  /** Extra request headers (e.g. `Origin`). */
  headers?: Record<string, string>;
  /** Subprotocols to offer instead of the ones `auth` picks. */
  protocols?: string[];
  /** How long to wait for the socket to open. Default `EVENT_WAIT_MS`. */
  timeoutMs?: number;
}

/** Options of `call.requested` frames sent by {@link WsTestClient.request}. */
export interface WsCallOptions {
  requestId?: string;
  deadline?: number;
  progress?: boolean;
  parentRequestId?: string;
}

/** The `/ws` URL of a hub whose HTTP base URL is `httpUrl`. */
export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, "ws")}/ws`;
}

/** Frame types that end a call. */
const TERMINAL = new Set(["call.responded", "call.error", "call.completed"]);

/** A connected raw client. */
export class WsTestClient {
  /** Every JSON-object frame received, in order. */
  readonly frames: WsFrame[] = [];
  /** Received text that was not a JSON object. */
  readonly texts: string[] = [];
  /** WebSocket messages received (on an `alkhub.v1.batch` connection one may hold several frames). */
  messages = 0;
  /** Resolves when the socket closes (either side). */
  readonly closed: Promise<WsClose>;
  /** Set once closed. */
  closeInfo: WsClose | undefined;
  readonly #ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.binaryType = "arraybuffer";
    const { promise, resolve } = Promise.withResolvers<WsClose>();
    this.closed = promise;
    ws.addEventListener("message", (event) => this.#receive(event.data));
    ws.addEventListener("close", (event) => {
      this.closeInfo = { code: event.code, reason: event.reason };
      resolve(this.closeInfo);
    });
  }

  /** Opens a connection; rejects when it does not open (a refused upgrade, say). */
  static async connect(url: string, options: WsConnectOptions = {}): Promise<WsTestClient> {
    const headers: Record<string, string> = { ...options.headers };
    let protocols = options.protocols;
    if (options.token !== undefined) {
      if (options.auth === "subprotocol") protocols ??= bearerSubprotocols(options.token);
      else headers.authorization = `Bearer ${options.token}`;
    }
    // Bun's WebSocket takes headers in a second-argument object.
    const ws = new WebSocket(url, { headers, protocols } as unknown as string[]);
    const client = new WsTestClient(ws);
    const opened = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("the WebSocket did not open in time")),
        options.timeoutMs ?? EVENT_WAIT_MS,
      );
      ws.addEventListener("open", () => {
        clearTimeout(timer);
        resolve();
      });
      ws.addEventListener("close", (event) => {
        clearTimeout(timer);
        reject(new Error(`the WebSocket closed before opening (${event.code})`));
      });
    });
    await opened;
    return client;
  }

  /** The subprotocol the hub answered with ("" if none). */
  get protocol(): string {
    return this.#ws.protocol;
  }

  /** Whether the socket is open. */
  get open(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Sends one frame `{ type, id, payload }` as JSON text. */
  send(type: string, id: string, payload: unknown): void {
    this.sendText(JSON.stringify({ type, id, payload }));
  }

  sendText(text: string): void {
    this.#ws.send(text);
  }

  sendBinary(bytes: Uint8Array<ArrayBuffer>): void {
    this.#ws.send(bytes);
  }

  /** Sends `call.requested`; returns the request id. */
  request(operation: string, input: unknown, options: WsCallOptions = {}): string {
    const requestId = options.requestId ?? crypto.randomUUID();
    const payload: Record<string, unknown> = { requestId, operation, input };
    if (options.deadline !== undefined) payload.deadline = options.deadline;
    if (options.progress !== undefined) payload.progress = options.progress;
    if (options.parentRequestId !== undefined) payload.parentRequestId = options.parentRequestId;
    this.send("call.requested", requestId, payload);
    return requestId;
  }

  /** Sends `call.requested` and waits for the frame that ends it (`call.responded` for a query/mutation). */
  async call(
    operation: string,
    input: unknown,
    options: WsCallOptions & { timeoutMs?: number } = {},
  ): Promise<WsFrame> {
    const id = this.request(operation, input, options);
    return this.waitFor((frame) => frame.id === id && TERMINAL.has(frame.type), options.timeoutMs);
  }

  /** `call` that expects `call.responded` and returns its output. */
  async output(operation: string, input: unknown, options: WsCallOptions = {}): Promise<unknown> {
    const frame = await this.call(operation, input, options);
    if (frame.type !== "call.responded") throw new Error(`${operation}: ${JSON.stringify(frame.payload)}`);
    return frame.payload.output;
  }

  /** `call` that expects `call.error` and returns its payload. */
  async error(
    operation: string,
    input: unknown,
    options: WsCallOptions & { timeoutMs?: number } = {},
  ): Promise<{ code: string; message: string; details?: unknown }> {
    const frame = await this.call(operation, input, options);
    if (frame.type !== "call.error") throw new Error(`${operation} did not fail: ${JSON.stringify(frame)}`);
    const { requestId: _id, ...error } = frame.payload;
    return error as { code: string; message: string; details?: unknown };
  }

  /** Sends `call.aborted` for `requestId`. */
  abort(requestId: string, reason?: string): void {
    this.send("call.aborted", requestId, reason === undefined ? { requestId } : { requestId, reason });
  }

  /** Registers as a spoke over the raw protocol; resolves with the `hub.register` answer frame. */
  register(input: Record<string, unknown>): Promise<WsFrame> {
    return this.call("hub.register", input);
  }

  /** Frames received for one request id. */
  framesFor(id: string): WsFrame[] {
    return this.frames.filter((frame) => frame.id === id);
  }

  /** The first received frame (already here or still to come) that matches. */
  async waitFor(match: (frame: WsFrame) => boolean, timeoutMs = EVENT_WAIT_MS): Promise<WsFrame> {
    return eventually(
      () => {
        const found = this.frames.find(match);
        if (!found) throw new Error(`no matching frame among ${this.frames.length} received`);
        return found;
      },
      { timeoutMs, intervalMs: 5, what: "a matching frame" },
    );
  }

  /**
   * Stops reading the socket (Bun's `WebSocket.pause()`): the hub sees TCP backpressure, as from a peer that
   * stopped reading, instead of this client buffering in memory. `resume()` reads again.
   */
  pause(): void {
    (this.#ws as unknown as { pause(): boolean }).pause();
  }

  resume(): void {
    (this.#ws as unknown as { resume(): boolean }).resume();
  }

  /** Closes from the client side. */
  close(code = 1000, reason = ""): void {
    this.#ws.close(code, reason);
  }

  /** Waits for the close, failing after `timeoutMs`. */
  async waitClosed(timeoutMs = EVENT_WAIT_MS): Promise<WsClose> {
    return Promise.race([
      this.closed,
      Bun.sleep(timeoutMs).then(() => {
        throw new Error(`the connection did not close within ${timeoutMs} ms`);
      }),
    ]);
  }

  #receive(data: unknown): void {
    this.messages++;
    if (typeof data !== "string") {
      this.texts.push(`<binary ${(data as ArrayBuffer).byteLength} bytes>`);
      return;
    }
    if (this.#ws.protocol === BATCH_SUBPROTOCOL) {
      for (const frame of batchedFrames(data)) this.#receiveFrame(frame);
    } else {
      this.#receiveFrame(data);
    }
  }

  #receiveFrame(data: string): void {
    try {
      const value = JSON.parse(data) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) {
        this.frames.push(value as WsFrame);
        return;
      }
    } catch {
      // kept as text below
    }
    this.texts.push(data);
  }
}

/** A minimal operation spec for raw registrations. */
export function rawOperation(
  name: string,
  type: "query" | "mutation" | "subscription" = "query",
  inputSchema: Record<string, unknown> = { type: "object" },
): Record<string, unknown> {
  return { name, type, description: `test operation ${name}`, inputSchema };
}
