import type { Identity } from "../auth/index.ts";
import type { MetricsRegistry } from "../health/index.ts";
import { CLOSE_CODES, encodeFrame } from "../protocol/index.ts";
import type { SessionDeps } from "./deps.ts";
import { dispatchMessage } from "./dispatch.ts";
import { SpokeSession } from "./session.ts";
import type { FrameSocket } from "./socket.ts";

/** The longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long spokes are told to wait before reconnecting when the hub drains. */
export const DRAIN_RETRY_AFTER_MS = 1000;

/**
 * All /ws connections of this instance: opens sessions, feeds them frames, sends heartbeats, and drains them on
 * shutdown. It is the router's `SpokeLinks`: the registered sessions are where calls go.
 */
export class SpokeGateway {
  readonly #deps: SessionDeps;
  readonly #sessions = new Set<SpokeSession>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #draining = false;

  /** `deps.directory` is shared with the cluster, which finds there the spokes other instances' calls go to. */
  constructor(deps: SessionDeps, metrics: MetricsRegistry) {
    this.#deps = deps;
    metrics.gauge("alkhub_ws_connections", "Open /ws connections.", () => [[{}, this.#sessions.size]]);
    metrics.gauge("alkhub_spokes_connected", "Registered spokes connected to this instance.", () => [
      [{}, this.#deps.directory.size],
    ]);
    metrics.gauge("alkhub_operations_registered", "Operations in the catalog.", () => [
      [{}, deps.catalog.operationCount],
    ]);
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

  open(socket: FrameSocket, identity: Identity): SpokeSession {
    const session = new SpokeSession(socket, identity, this.#deps.sessionLimits, this.#deps.log);
    session.advance("ready");
    this.#sessions.add(session);
    if (identity.expiresAt) {
      // setTimeout holds at most ~24.8 days; a key that lives longer is re-checked when the timer fires.
      const delay = Math.min(Math.max(0, identity.expiresAt.getTime() - Date.now()), MAX_TIMER_MS);
      session.expiryTimer = setTimeout(() => this.#expire(session), delay);
    }
    return session;
  }

  /** Closes every connection of a revoked key (4401). */
  revokeKey(keyId: string): void {
    for (const session of this.#sessions) {
      if (session.identity.keyId === keyId) session.close(CLOSE_CODES.KEY_REVOKED, "API key revoked");
    }
  }

  #expire(session: SpokeSession): void {
    const expiresAt = session.identity.expiresAt?.getTime() ?? 0;
    if (expiresAt > Date.now()) {
      session.expiryTimer = setTimeout(
        () => this.#expire(session),
        Math.min(expiresAt - Date.now(), MAX_TIMER_MS),
      );
      return;
    }
    session.close(CLOSE_CODES.KEY_REVOKED, "API key expired");
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
    clearTimeout(session.expiryTimer);
    this.#sessions.delete(session);
    for (const handle of session.outgoing.values()) handle.abort("the caller disconnected");
    session.outgoing.clear();
    if (!session.spokeName) return;
    this.#deps.router.linkClosed(session);
    this.#deps.forwarded.sessionClosed(session);
    this.#deps.presence.release(session.spokeName, session.connectionId).catch(() => {
      // Presence lapses by itself (its time to live) when it cannot be released now.
    });
    if (this.#deps.directory.release(session.spokeName, session)) {
      this.#deps.catalog.markOffline(session.spokeName, session.connectionId).catch((error: unknown) => {
        this.#deps.log.error("could not mark a spoke offline", { spoke: session.spokeName, error });
      });
    }
    session.log.info("spoke disconnected", { spoke: session.spokeName, code, reason });
  }

  /** Pings every connection each `heartbeatMs`; one silent for two intervals is closed with 1001. */
  startHeartbeats(): void {
    const interval = this.#deps.heartbeatMs;
    this.#heartbeat = setInterval(() => {
      const silentSince = Date.now() - 2 * interval;
      for (const session of this.#sessions) {
        if (session.lastSeenAt < silentSince) session.close(CLOSE_CODES.HEARTBEAT_LOST, "heartbeat lost");
        else session.ping();
      }
      void this.#refreshPresence();
    }, interval);
  }

  /** How long a presence claim lives without a refresh: three heartbeats. */
  get presenceTtlMs(): number {
    return 3 * this.#deps.heartbeatMs;
  }

  *#registered(): Iterable<SpokeSession> {
    for (const session of this.#sessions) {
      if (session.spokeName && this.#deps.directory.byName(session.spokeName) === session) yield session;
    }
  }

  /** Extends this instance's presence claims; a name another connection took meanwhile is closed (4409). */
  async #refreshPresence(): Promise<void> {
    const held = [...this.#registered()].map((session) => ({
      name: session.spokeName,
      entry: {
        instanceId: this.#deps.instanceId,
        connectionId: session.connectionId,
        keyId: session.identity.keyId,
        since: session.registeredAt,
      },
    }));
    try {
      const lost = await this.#deps.presence.refresh(held, this.presenceTtlMs);
      for (const name of lost) this.takenOver(name, this.#deps.directory.byName(name)?.connectionId ?? "");
    } catch {
      // Redis is down: the claims lapse by themselves; `reannounce` restores them when it is back.
    }
  }

  /**
   * Shutdown: tell every connection to reconnect elsewhere (`hub.draining`), refuse new calls, let calls in
   * flight finish for up to `graceMs`, then close every socket with 1012.
   */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    clearInterval(this.#heartbeat);
    this.#deps.router.beginDrain();
    // Free the names first, so the spokes can register on another instance while their calls finish here.
    await Promise.all(
      [...this.#registered()].map((session) =>
        this.#deps.presence.release(session.spokeName, session.connectionId).catch(() => {}),
      ),
    );
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
