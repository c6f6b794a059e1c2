/**
 * Event-loop health (issue #10 item 9). Every request, frame and timer of a hub shares one event loop, so a slow
 * handler delays everyone; this makes that visible:
 *
 * - `alkhub_event_loop_lag_seconds` (histogram): how late a timer due every `intervalMs` fired;
 * - `alkhub_handler_slowest_seconds{handler}` (gauge): the longest synchronous run of each kind of handler within
 *   the last window, and `alkhub_handler_slow_total{handler}` the runs over `slowHandlerMs` (also logged, at
 *   most once per window per handler). Handler names are fixed kinds (`ws:call.requested`, `catalog:reload`),
 *   never operation or key names;
 * - `/health` turns `degraded` (issue `event-loop-lag`) while the loop lost more than `degradedMs` to lag within
 *   the last `windowMs`, and back to `ok` once that halves.
 */
import type { Logger } from "../log/index.ts";
import type { Counter, Histogram, MetricsRegistry } from "./metrics.ts";
import type { HealthState } from "./state.ts";

/** Times synchronous handler runs; what parts of the hub are given to report their slow work. */
export interface HandlerTimer {
  /** Runs `run` and records how long it held the loop under `handler`. */
  time<T>(handler: string, run: () => T): T;
  /** Records one run of `handler` that held the loop for `ms`. */
  record(handler: string, ms: number): void;
}

/** A timer that records nothing (tests, tools). */
export const UNTIMED: HandlerTimer = { time: (_handler, run) => run(), record() {} };

/** The `health.eventLoop` config section. */
export interface LoopMonitorSettings {
  /** How often the lag probe fires, in ms. */
  intervalMs: number;
  /** The window of the degraded rule and of the slowest-handler gauge, in ms. */
  windowMs: number;
  /** Lag within one window past which `/health` is degraded, in ms. */
  degradedMs: number;
  /** A handler run longer than this is counted and logged as slow, in ms. */
  slowHandlerMs: number;
}

export const DEFAULT_LOOP_MONITOR_SETTINGS: LoopMonitorSettings = {
  intervalMs: 50,
  windowMs: 10_000,
  degradedMs: 2000,
  slowHandlerMs: 50,
};

const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const LOOP_LAG_ISSUE = "event-loop-lag";

interface Slowest {
  ms: number;
  at: number;
  loggedAt: number;
}

export class LoopMonitor implements HandlerTimer {
  readonly #settings: LoopMonitorSettings;
  readonly #health: HealthState;
  readonly #log: Logger;
  readonly #lag: Histogram;
  readonly #slowRuns: Counter;
  readonly #slowest = new Map<string, Slowest>();
  /** Lag samples of the current window: [epoch ms, lag ms], oldest first. */
  readonly #samples: Array<[number, number]> = [];
  #lagInWindowMs = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #expectedAt = 0;
  /** Whether the previous probe ran while the hub was ready (its lag may have begun during startup otherwise). */
  #probedWhileReady = false;

  constructor(opts: {
    metrics: MetricsRegistry;
    health: HealthState;
    log: Logger;
    settings?: Partial<LoopMonitorSettings>;
  }) {
    this.#settings = { ...DEFAULT_LOOP_MONITOR_SETTINGS, ...opts.settings };
    this.#health = opts.health;
    this.#log = opts.log.child({ component: "event-loop" });
    this.#lag = opts.metrics.histogram(
      "alkhub_event_loop_lag_seconds",
      "How late a timer due every health.eventLoop.intervalMs fired: time the event loop was held.",
      LAG_BUCKETS,
    );
    this.#slowRuns = opts.metrics.counter(
      "alkhub_handler_slow_total",
      "Handler runs that held the event loop longer than health.eventLoop.slowHandlerMs.",
    );
    opts.metrics.gauge(
      "alkhub_handler_slowest_seconds",
      "Longest synchronous run of each kind of handler within the last health.eventLoop.windowMs.",
      () => {
        this.#forgetOld(Date.now());
        return [...this.#slowest].map(([handler, slowest]) => [{ handler }, slowest.ms / 1000]);
      },
    );
  }

  /** Starts the lag probe. */
  start(): void {
    if (this.#timer) return;
    this.#expectedAt = performance.now() + this.#settings.intervalMs;
    this.#timer = setInterval(() => this.#probe(), this.#settings.intervalMs);
    // The probe must not keep a stopping process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Lag lost within the current window, in ms. */
  get lagInWindowMs(): number {
    return this.#lagInWindowMs;
  }

  time<T>(handler: string, run: () => T): T {
    const started = performance.now();
    try {
      return run();
    } finally {
      this.record(handler, performance.now() - started);
    }
  }

  /** Records one run of `handler` that held the loop for `ms`. */
  record(handler: string, ms: number): void {
    const now = Date.now();
    let entry = this.#slowest.get(handler);
    if (!entry) {
      entry = { ms, at: now, loggedAt: 0 };
      this.#slowest.set(handler, entry);
    } else if (ms > entry.ms || now - entry.at > this.#settings.windowMs) {
      // In place: this runs for every frame, and an entry per run would be garbage per frame.
      entry.ms = ms;
      entry.at = now;
    }
    if (ms < this.#settings.slowHandlerMs) return;
    this.#slowRuns.inc({ handler });
    if (now - entry.loggedAt >= this.#settings.windowMs) {
      entry.loggedAt = now;
      this.#log.warn("a handler held the event loop", { handler, ms: Math.round(ms) });
    }
  }

  #probe(): void {
    const now = performance.now();
    const lagMs = Math.max(0, now - this.#expectedAt);
    this.#expectedAt = now + this.#settings.intervalMs;
    this.#lag.observe(lagMs / 1000);
    // Startup (opening PGlite, migrations) holds the loop by design; only lag once serving counts for health.
    // The first probe after readiness measures a gap that began before it, so it does not count either.
    const countable = this.#probedWhileReady;
    this.#probedWhileReady = this.#health.ready;
    if (!this.#health.ready || !countable) return;
    const epoch = Date.now();
    this.#samples.push([epoch, lagMs]);
    this.#lagInWindowMs += lagMs;
    this.#forgetOld(epoch);
    const degraded = this.#health.hasIssue(LOOP_LAG_ISSUE);
    if (!degraded && this.#lagInWindowMs > this.#settings.degradedMs) {
      this.#health.setIssue(LOOP_LAG_ISSUE, true);
      this.#log.warn("the event loop is lagging; health is degraded", {
        lagMs: Math.round(this.#lagInWindowMs),
        windowMs: this.#settings.windowMs,
      });
    } else if (degraded && this.#lagInWindowMs < this.#settings.degradedMs / 2) {
      this.#health.setIssue(LOOP_LAG_ISSUE, false);
      this.#log.info("the event loop caught up; health is ok again");
    }
  }

  #forgetOld(now: number): void {
    const since = now - this.#settings.windowMs;
    while (this.#samples.length > 0 && this.#samples[0]![0] < since) {
      this.#lagInWindowMs -= this.#samples.shift()![1];
    }
    if (this.#samples.length === 0) this.#lagInWindowMs = 0;
    for (const [handler, slowest] of this.#slowest) {
      if (slowest.at < since && slowest.loggedAt < since) this.#slowest.delete(handler);
    }
  }
}
