import type { Identity } from "../auth/index.ts";
import type { MetricsRegistry } from "../health/index.ts";
import type { Service } from "../lifecycle/index.ts";
import { CLOSE_CODES, encodeFrame, FRAME_TYPES, frameChecker, warmJsonDepth } from "../protocol/index.ts";
import { storeErrorReason } from "../store/index.ts";
import type { SessionDeps } from "./deps.ts";
import { dispatchMessage } from "./dispatch.ts";
import { Heartbeats } from "./heartbeats.ts";
import { KeyExpiry } from "./key-expiry.ts";
import { PresenceClaims } from "./presence-claims.ts";
import { SpokeSession } from "./session.ts";
import type { FrameSocket } from "./socket.ts";

/** How long spokes are told to wait before reconnecting when the hub drains. */
export const DRAIN_RETRY_AFTER_MS = 1000;

/** Time a drain may take beyond `shutdown.graceMs` (closing sockets, freeing names) before shutdown moves on. */
const DRAIN_SLACK_MS = 5000;

/**
 * All /ws connections of this instance: opens sessions, feeds them frames, and drains them on shutdown. The
 * registered sessions (in `deps.directory`) are where local calls go. Heartbeats, presence claims and key
 * expiry are parts it uses.
 */
export class SpokeGateway implements Service {
  readonly name = "spoke-gateway";
  readonly stopTimeoutMs: number;
  readonly #deps: SessionDeps;
  readonly #graceMs: number;
  readonly #sessions = new Set<SpokeSession>();
  readonly #heartbeats: Heartbeats;
  readonly #claims: PresenceClaims;
  readonly #expiry = new KeyExpiry();
  #draining = false;
  #stopWatchingCatalog: (() => void) | undefined;

  /** `graceMs`: how long a drain lets calls in flight finish (`shutdown.graceMs`). */
  constructor(deps: SessionDeps, opts: { metrics: MetricsRegistry; graceMs: number }) {
    this.#deps = deps;
    this.#graceMs = opts.graceMs;
    this.stopTimeoutMs = opts.graceMs + DRAIN_SLACK_MS;
    this.#claims = new PresenceClaims(deps.presence, deps.instanceId, deps.heartbeatMs);
    this.#heartbeats = new Heartbeats(this.#sessions, deps.heartbeatMs, () => void this.#refreshPresence());
    const { metrics } = opts;
    // Compile every frame checker (and warm the depth scan) now: compiled lazily, the first frame of a rare
    // type (a peer's first protocol.error, say) would hold the loop for tens of milliseconds mid-traffic.
    for (const type of FRAME_TYPES) frameChecker(type).explain({});
    warmJsonDepth();
    metrics.gauge("alkhub_ws_connections", "Open /ws connections.", () => [[{}, this.#sessions.size]]);
    metrics.gauge("alkhub_spokes_connected", "Registered spokes connected to this instance.", () => [
      [{}, deps.directory.size],
    ]);
    metrics.gauge("alkhub_operations_registered", "Operations in the catalog.", () => [
      [{}, deps.catalog.operationCount],
    ]);
  }

  /** Starts the heartbeats, and closes a local connection whose name an operator disables (on any instance). */
  start(): void {
    this.#heartbeats.start();
    this.#stopWatchingCatalog = this.#deps.catalog.onChange((name) => this.#closeIfDisabled(name));
  }

  /**
   * An operator's disconnect: closes the local connection holding spoke `name` (only if it is
   * `connectionId`, when given) with 1000; the SDK reconnects. Returns whether one was closed.
   */
  disconnect(name: string, connectionId?: string): boolean {
    const session = this.#deps.directory.byName(name);
    if (!session || (connectionId !== undefined && session.connectionId !== connectionId)) return false;
    session.log.info("spoke disconnected by an operator", { spoke: name });
    session.close(CLOSE_CODES.NORMAL, "disconnected by an operator");
    return true;
  }

  /** The local session holding spoke `name`, if any (live facts for the admin API: in-flight calls, last seen). */
  session(name: string): SpokeSession | undefined {
    return this.#deps.directory.byName(name);
  }

  #closeIfDisabled(name: string): void {
    const session = this.#deps.directory.byName(name);
    if (!session || !this.#deps.catalog.spoke(name)?.disabledAt) return;
    session.log.info("closing a spoke whose name an operator disabled", { spoke: name });
    // 4403 is final for the SDK: a disabled spoke stops reconnecting instead of being refused again and again.
    session.close(CLOSE_CODES.FORBIDDEN, `spoke name "${name}" was disabled by an operator`);
  }

  /** Shutdown: see `drainFor`, with `shutdown.graceMs`. */
  async drain(): Promise<void> {
    await this.drainFor(this.#graceMs);
  }

  /** Another instance took over `spokeName` from local connection `connectionId`: close it (4409). */
  takenOver(spokeName: string, connectionId: string): void {
    const session = this.#deps.directory.byName(spokeName);
    if (session?.connectionId === connectionId) {
      session.close(CLOSE_CODES.TAKEN_OVER, `spoke "${spokeName}" was taken over by another connection`);
    }
  }

  /**
   * Claims again every local spoke name and tells the other instances about it (after Redis came back: their
   * view of this instance's spokes may have lapsed meanwhile).
   */
  async reannounce(): Promise<void> {
    await this.#refreshPresence();
    for (const session of this.#registered()) this.#deps.catalog.announce(session.spokeName);
  }

  /** Whether new connections are refused (the hub is draining). */
  get draining(): boolean {
    return this.#draining;
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  /** How long a presence claim lives without a refresh: three heartbeats. */
  get presenceTtlMs(): number {
    return this.#claims.ttlMs;
  }

  open(socket: FrameSocket, identity: Identity): SpokeSession {
    const session = new SpokeSession(socket, identity, this.#deps.sessionLimits, this.#deps.log);
    session.advance("ready");
    this.#sessions.add(session);
    // Checked before the upgrade already; this catches connections of the key that opened meanwhile, and a
    // revocation that landed between the key check and now.
    const refused = this.#deps.limits.acquire("connections", identity.keyId);
    if (refused) {
      const code = refused.code === "RATE_LIMITED" ? CLOSE_CODES.RATE_LIMITED : CLOSE_CODES.KEY_REVOKED;
      session.close(code, refused.message);
      return session;
    }
    session.holdsConnection = true;
    this.#expiry.watch(session);
    return session;
  }

  /** Closes every connection of a revoked key (4401). */
  revokeKey(keyId: string): void {
    for (const session of this.#sessions) {
      if (session.identity.keyId === keyId) session.close(CLOSE_CODES.KEY_REVOKED, "API key revoked");
    }
  }

  message(session: SpokeSession, message: unknown): void {
    dispatchMessage(session, message, this.#deps);
  }

  pong(session: SpokeSession): void {
    session.lastSeenAt = Date.now();
    if (session.spokeName) this.#deps.catalog.touch(session.spokeName);
  }

  /** The socket closed (either side): fail what it served, abort what it called, leave the catalog. */
  closed(session: SpokeSession, code: number, reason: string): void {
    session.advance("closed");
    this.#expiry.forget(session);
    this.#sessions.delete(session);
    if (session.holdsConnection) {
      session.holdsConnection = false;
      this.#deps.limits.release("connections", session.identity.keyId);
    }
    for (const handle of session.outgoing.values()) handle.abort("the caller disconnected");
    session.outgoing.clear();
    if (!session.spokeName) return;
    this.#deps.registrations.release(session.identity.keyId, session.spokeName);
    this.#deps.router.linkClosed(session);
    this.#deps.forwarded.sessionClosed(session);
    void this.#claims.release(session);
    if (this.#deps.directory.release(session.spokeName, session)) {
      this.#deps.catalog.markOffline(session.spokeName, session.connectionId).catch((error: unknown) => {
        this.#deps.log.error("could not mark a spoke offline", {
          spoke: session.spokeName,
          error: storeErrorReason(error),
        });
      });
    }
    session.log.info("spoke disconnected", { spoke: session.spokeName, code, reason });
  }

  *#registered(): Iterable<SpokeSession> {
    for (const session of this.#sessions) {
      if (session.spokeName && this.#deps.directory.byName(session.spokeName) === session) yield session;
    }
  }

  /** Extends this instance's presence claims; a name another connection took meanwhile is closed (4409). */
  async #refreshPresence(): Promise<void> {
    const lost = await this.#claims.refresh(this.#registered());
    for (const name of lost) this.takenOver(name, this.#deps.directory.byName(name)?.connectionId ?? "");
  }

  /**
   * Tells every connection to reconnect elsewhere (`hub.draining`), refuses new calls, lets calls in flight
   * finish for up to `graceMs`, then closes every socket with 1012.
   */
  async drainFor(graceMs: number): Promise<void> {
    this.#draining = true;
    this.#stopWatchingCatalog?.();
    this.#heartbeats.stop();
    this.#deps.router.beginDrain();
    // Free the names first, so the spokes can register on another instance while their calls finish here.
    await Promise.all([...this.#registered()].map((session) => this.#claims.release(session)));
    const notice = encodeFrame("hub.draining", "drain", { retryAfterMs: DRAIN_RETRY_AFTER_MS });
    for (const session of this.#sessions) {
      session.advance("draining");
      session.send(notice);
    }
    // Calls relayed from other instances' callers count as calls in flight too.
    const graceEnds = Date.now() + graceMs;
    const left =
      (await this.#deps.router.waitIdle(graceMs)) +
      (await this.#deps.forwarded.waitIdle(Math.max(0, graceEnds - Date.now())));
    if (left > 0) {
      this.#deps.log.warn("calls still in flight after the grace period", { calls: left });
      this.#deps.router.abortAll("the hub is shutting down");
    }
    for (const session of this.#sessions) session.close(CLOSE_CODES.HUB_RESTARTING, "hub restarting");
  }
}
