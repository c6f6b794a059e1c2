/**
 * The lifecycle contract of every long-lived part of the hub (STYLE.md 22). The supervisor starts parts in
 * dependency order; on shutdown it first drains them all, newest first, then stops them all, newest first.
 * Each method is optional: a connection opened by its startup step has nothing to start, a timer nothing to drain.
 */
export interface Service {
  /** Names the part in logs and in shutdown errors. */
  readonly name: string;
  /** Begins the part's background work (subscriptions, timers). Called once. */
  start?(): Promise<void> | void;
  /**
   * Shutdown, first pass: stop taking new work and let work in flight finish. Runs before any part is stopped,
   * so a draining part can still use the parts it depends on.
   */
  drain?(): Promise<void> | void;
  /** Shutdown, second pass: release what the part holds (flush queues, close connections). */
  stop?(): Promise<void> | void;
  /** The most a drain or a stop may take before the supervisor moves on (default `DEFAULT_STOP_TIMEOUT_MS`). */
  readonly stopTimeoutMs?: number;
}
