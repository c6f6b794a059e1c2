/**
 * A hand-written fake of the hub's `/ws` endpoint for SDK tests: a real Bun server on 127.0.0.1, port 0, that
 * speaks the frames of `src/protocol`. Switches: accept or deny registration, answer a spoke's calls, send calls,
 * abort them, send `hub.draining`, drop or close the connection with any code.
 */
import type { Server, ServerWebSocket } from "bun";
import {
  DEFAULT_SPOKE_LIMITS,
  encodeFrame,
  type FramePayloads,
  type FrameType,
  HubError,
  type HubRegisterInput,
  type HubRegisterOutput,
  parseFrame,
  parseSubprotocolHeader,
  SUBPROTOCOL,
  type ToHubFrame,
} from "../../src/protocol/index.ts";

/** What the fake answers to `hub.register`: an output, or an error to send as `call.error`. */
export type RegisterDecision = HubRegisterOutput | HubError;

/** Answers a spoke's non-`hub.register` call; return nothing to leave it unanswered. */
export type CallAnswer = (
  frame: Extract<ToHubFrame, { type: "call.requested" }>,
  connection: FakeConnection,
) => void;

interface SocketData {
  connection: FakeConnection;
}

/** One accepted socket, seen from the hub side. */
export class FakeConnection {
  /** Every valid frame received, in order. */
  readonly frames: ToHubFrame[] = [];
  /** Text of frames that failed `parseFrame`, with the error. */
  readonly badFrames: { text: string; error: string }[] = [];
  registration: HubRegisterInput | undefined;
  closed: { code: number; reason: string } | undefined;
  readonly token: string;
  readonly authVia: "header" | "subprotocol";
  #ws: ServerWebSocket<SocketData> | undefined;

  constructor(token: string, authVia: "header" | "subprotocol") {
    this.token = token;
    this.authVia = authVia;
  }

  attach(ws: ServerWebSocket<SocketData>): void {
    this.#ws = ws;
  }

  /** Sends a frame to the spoke. */
  send<T extends FrameType>(type: T, id: string, payload: FramePayloads[T]): void {
    this.sendRaw(encodeFrame(type, id, payload));
  }

  /** Sends raw text (for bad-frame tests). */
  sendRaw(text: string): void {
    this.#ws?.send(text);
  }

  /** Sends `call.requested` to the spoke as the hub would; returns the request id. */
  call(operation: string, input: unknown, options: { progress?: boolean; scopes?: string[] } = {}): string {
    const requestId = crypto.randomUUID();
    this.send("call.requested", requestId, {
      requestId,
      operation,
      input,
      caller: { id: "key_test", scopes: options.scopes ?? ["call"] },
      ...(options.progress ? { progress: true } : {}),
    });
    return requestId;
  }

  /** Frames the spoke sent about one request id. */
  framesFor(requestId: string): ToHubFrame[] {
    return this.frames.filter((frame) => frame.id === requestId);
  }

  /** Closes the socket with `code` (a clean close the spoke sees). */
  close(code = 1000, reason = ""): void {
    this.#ws?.close(code, reason);
  }

  /** Drops the TCP connection without a close frame (the spoke sees 1006). */
  drop(): void {
    this.#ws?.terminate();
  }
}

/** The fake hub server. */
export class FakeHub {
  readonly connections: FakeConnection[] = [];
  /** Decides each `hub.register`; default: accept with a fresh spokeId. */
  onRegister: (input: HubRegisterInput, connection: FakeConnection) => RegisterDecision;
  /** Answers other calls from spokes; default: `OPERATION_NOT_FOUND`. */
  onCall: CallAnswer;
  /** Tokens that pass the upgrade; anything else gets HTTP 401. */
  tokens = new Set<string>(["test-key"]);
  #server: Server<SocketData>;
  #registrations = 0;

  private constructor() {
    this.onRegister = (input) => this.accept(input.name);
    this.onCall = (frame, connection) =>
      connection.send("call.error", frame.id, {
        requestId: frame.id,
        code: "OPERATION_NOT_FOUND",
        message: `no operation "${frame.payload.operation}"`,
      });
    this.#server = Bun.serve<SocketData>({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request, server) => this.#upgrade(request, server),
      websocket: {
        open: (ws) => ws.data.connection.attach(ws),
        message: (ws, message) => this.#onMessage(ws.data.connection, message),
        close: (ws, code, reason) => {
          ws.data.connection.closed = { code, reason };
        },
      },
    });
  }

  /** Starts a fake hub on a free loopback port. */
  static start(): FakeHub {
    return new FakeHub();
  }

  /** The `/ws` URL to give the SDK. */
  get url(): string {
    return `ws://127.0.0.1:${this.#server.port}/ws`;
  }

  /** Connections whose socket is still open. */
  get live(): FakeConnection[] {
    return this.connections.filter((connection) => connection.closed === undefined);
  }

  /** The latest connection that registered. */
  get lastRegistered(): FakeConnection | undefined {
    return this.connections.findLast((connection) => connection.registration !== undefined);
  }

  /** A successful register output for `name`. */
  accept(name: string): HubRegisterOutput {
    this.#registrations += 1;
    return { spokeId: `spk_${this.#registrations}`, name, heartbeatMs: 10_000, limits: DEFAULT_SPOKE_LIMITS };
  }

  stop(): void {
    this.#server.stop(true);
  }

  #upgrade(request: Request, server: Server<SocketData>): Response | undefined {
    const header = request.headers.get("authorization");
    const offered = parseSubprotocolHeader(request.headers.get("sec-websocket-protocol"));
    const token = header?.startsWith("Bearer ") ? header.slice(7) : offered.token;
    if (token === undefined || !this.tokens.has(token)) return new Response("unauthorized", { status: 401 });
    const connection = new FakeConnection(token, header ? "header" : "subprotocol");
    this.connections.push(connection);
    const upgraded = server.upgrade(request, {
      data: { connection },
      headers: offered.version ? { "Sec-WebSocket-Protocol": SUBPROTOCOL } : {},
    });
    return upgraded ? undefined : new Response("upgrade failed", { status: 400 });
  }

  #onMessage(connection: FakeConnection, message: string | Buffer): void {
    const text = typeof message === "string" ? message : message.toString("utf8");
    const parsed = parseFrame(text);
    if (!parsed.ok) {
      connection.badFrames.push({ text, error: parsed.error });
      return;
    }
    const frame = parsed.frame;
    connection.frames.push(frame);
    if (frame.type !== "call.requested") return;
    if (frame.payload.operation !== "hub.register") {
      this.onCall(frame, connection);
      return;
    }
    const input = frame.payload.input as HubRegisterInput;
    const decision = this.onRegister(input, connection);
    if (decision instanceof HubError) {
      connection.send("call.error", frame.id, { requestId: frame.id, ...decision.toWire() });
      return;
    }
    connection.registration = input;
    connection.send("call.responded", frame.id, { requestId: frame.id, output: decision });
  }
}
