import type { Identity } from "../auth/index.ts";
import type { Logger } from "../log/index.ts";
import { CLOSE_CODES, encodeCallError, encodeFrame, type HubError } from "../protocol/index.ts";
import type { CallHandle, SpokeLink } from "../router/index.ts";
import { BadFrameBudget } from "./bad-frame-budget.ts";
import { type ConnectionPhase, canAdvance, type FrameSocket } from "./socket.ts";

/** What one connection is allowed (the `limits` config section). */
export interface SessionLimits {
  maxInFlightPerConnection: number;
  badFramesPerMinute: number;
}

/**
 * One /ws connection: a caller from the start, and a spoke once it has registered. As a spoke it is the
 * router's `SpokeLink`. Its phase only moves forward and gates every send.
 */
export class SpokeSession implements SpokeLink {
  readonly connectionId = crypto.randomUUID();
  readonly identity: Identity;
  /** Calls this connection made and that are still running, by the caller's own request id. */
  readonly outgoing = new Map<string, CallHandle>();
  /** Epoch ms of the last frame or pong from the peer. */
  lastSeenAt = Date.now();
  /** The registered spoke name; empty until `hub.register` succeeds. */
  spokeName = "";
  spokeId: string | undefined;
  /** Epoch ms of the registration (recorded in presence). */
  registeredAt = 0;
  maxConcurrency: number | undefined;
  inFlight = 0;
  readonly #socket: FrameSocket;
  readonly #badFrames: BadFrameBudget;
  readonly #refusals: BadFrameBudget;
  /** The gateway's logger; the connection's own is made when something is logged (see `log`). */
  readonly #parentLog: Logger;
  #phase: ConnectionPhase = "handshaking";

  constructor(socket: FrameSocket, identity: Identity, limits: SessionLimits, log: Logger) {
    this.#socket = socket;
    this.identity = identity;
    this.#badFrames = new BadFrameBudget(limits.badFramesPerMinute);
    this.#refusals = new BadFrameBudget(limits.badFramesPerMinute);
    this.#parentLog = log;
  }

  get phase(): ConnectionPhase {
    return this.#phase;
  }

  /**
   * This connection's logger. Made on each use rather than kept: connections log a handful of lines in their
   * life, and a logger kept per connection costs every one of 15,000 idle spokes its closures (issue #11).
   */
  get log(): Logger {
    return this.#parentLog.child({ connection: this.connectionId.slice(0, 8), key: this.identity.keyId });
  }

  /** Moves to a later phase; asking for the same or an earlier one does nothing. */
  advance(to: ConnectionPhase): void {
    if (!canAdvance(this.#phase, to)) return;
    this.log.debug("connection phase", { from: this.#phase, to, spoke: this.spokeName || undefined });
    this.#phase = to;
  }

  /**
   * Sends one frame; false once the connection is closing, or when the peer reads too slowly (then closes). As
   * a `SpokeLink` it is handed what the frame is about too, which a local socket has no use for.
   */
  send(frame: string): boolean {
    if (this.#phase === "closing" || this.#phase === "closed") return false;
    if (this.#socket.send(frame) !== 0) return true;
    this.close(CLOSE_CODES.SLOW_CONSUMER, "send buffer full: the connection reads too slowly");
    return false;
  }

  sendCallError(requestId: string, error: HubError): void {
    this.send(encodeCallError(JSON.stringify(requestId), error.toWire()));
  }

  /** Answers a bad frame with `protocol.error`; a connection that keeps sending them is closed with 4400. */
  protocolError(message: string, ref?: string): void {
    // A frame id must be non-empty; when the bad frame had none, "protocol" stands in.
    this.send(
      encodeFrame("protocol.error", ref ?? "protocol", ref === undefined ? { message } : { message, ref }),
    );
    if (this.#badFrames.spend(Date.now())) {
      this.log.warn("closing a connection that keeps sending bad frames", { last: message });
      this.close(CLOSE_CODES.PROTOCOL_VIOLATION, "too many bad frames");
    }
  }

  /**
   * Notes a call refused for going over the connection's in-flight limit; a connection that keeps pushing
   * past it (more refusals a minute than the bad-frame budget) is closed with 4429.
   */
  rateLimited(): void {
    if (this.#refusals.spend(Date.now()))
      this.close(CLOSE_CODES.RATE_LIMITED, "too many calls over the limit");
  }

  ping(): void {
    if (this.#phase === "ready" || this.#phase === "draining") this.#socket.ping();
  }

  /** The one way a connection is closed by the hub (STYLE.md 15). */
  close(code: number, reason: string): void {
    if (this.#phase === "closing" || this.#phase === "closed") return;
    this.advance("closing");
    this.log.debug("closing connection", { code, reason });
    this.#socket.close(code, reason);
  }
}
