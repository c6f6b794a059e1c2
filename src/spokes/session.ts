import type { Identity } from "../auth/index.ts";
import type { Logger } from "../log/index.ts";
import { CLOSE_CODES, encodeCallError, encodeFrame, type HubError } from "../protocol/index.ts";
import type { CallHandle, SpokeLink } from "../router/index.ts";
import { BadFrameBudget } from "./bad-frame-budget.ts";
import type { TokenBucket } from "./registration-meter.ts";
import { type ConnectionPhase, canAdvance, type FrameSocket } from "./socket.ts";

/** What one connection is allowed (the `limits` config section). */
export interface SessionLimits {
  maxInFlightPerConnection: number;
  badFramesPerMinute: number;
  /** Deepest nesting a frame may have; deeper frames are refused before they are parsed. */
  maxJsonDepth: number;
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
  /** The connection's registration rate (created on its first `hub.register`). */
  registrationBucket: TokenBucket | undefined;
  /** A `hub.register` is being handled: another one is refused until it ends. */
  registering = false;
  readonly #socket: FrameSocket;
  readonly #limits: SessionLimits;
  // Made on the first bad frame or refusal: most connections never send one, and 15,000 idle spokes would each
  // hold two budgets and their arrays (issue #11).
  #budgets: { badFrames: BadFrameBudget; refusals: BadFrameBudget } | undefined;
  /** Whether this connection counts against its key's `/ws` connection cap (released on close). */
  holdsConnection = false;
  /** The name a `hub.register` of this connection is claiming right now (one name per connection). */
  registeringName = "";
  /** The gateway's logger; the connection's own is made when something is logged (see `log`). */
  readonly #parentLog: Logger;
  #phase: ConnectionPhase = "handshaking";

  constructor(socket: FrameSocket, identity: Identity, limits: SessionLimits, log: Logger) {
    this.#socket = socket;
    this.identity = identity;
    this.#limits = limits;
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
    // `keyId`, not `key`: the logger redacts fields named like secrets, and a key id is public.
    return this.#parentLog.child({ connection: this.connectionId.slice(0, 8), keyId: this.identity.keyId });
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
    this.closeSlowConsumer();
    return false;
  }

  /** The socket dropped a frame because the peer reads too slowly: closes the connection with 1013. */
  closeSlowConsumer(): void {
    this.close(CLOSE_CODES.SLOW_CONSUMER, "send buffer full: the connection reads too slowly");
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
    this.spendBadFrame(message);
  }

  /**
   * Counts one bad frame against the budget; true when that spent it (the connection is then closed with
   * 4400). `what` names the last problem in the log line.
   */
  spendBadFrame(what: string): boolean {
    if (!this.#frameBudgets().badFrames.spend(Date.now())) return false;
    this.log.warn("closing a connection that keeps sending bad frames", { last: what.slice(0, 200) });
    this.close(CLOSE_CODES.PROTOCOL_VIOLATION, "too many bad frames");
    return true;
  }

  /**
   * Notes a call refused for going over the connection's in-flight limit; a connection that keeps pushing
   * past it (more refusals a minute than the bad-frame budget) is closed with 4429.
   */
  rateLimited(): void {
    if (this.#frameBudgets().refusals.spend(Date.now()))
      this.close(CLOSE_CODES.RATE_LIMITED, "too many calls over the limit");
  }

  #frameBudgets(): { badFrames: BadFrameBudget; refusals: BadFrameBudget } {
    const perMinute = this.#limits.badFramesPerMinute;
    this.#budgets ??= { badFrames: new BadFrameBudget(perMinute), refusals: new BadFrameBudget(perMinute) };
    return this.#budgets;
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
