import type { Bus } from "../bus/index.ts";
import { withDeadline } from "../deadline.ts";
import type { Service } from "../lifecycle/index.ts";
import type { Logger } from "../log/index.ts";
import type { Store } from "../store/index.ts";
import type { HealthState } from "./state.ts";

/** How often the store is pinged after `ready`. */
export const DEFAULT_STORE_PING_INTERVAL_MS = 2000;
/** How often it is pinged while it is down, so `/health` says ok again soon after it is back. */
export const DOWN_STORE_PING_INTERVAL_MS = 500;
/**
 * A ping not answered within this counts as the store being down (a blackholed connection never answers). Not
 * shorter: on a starved 2-core box a healthy `select 1` took over 2 s during a reconnect storm.
 */
export const STORE_PING_DEADLINE_MS = 3000;

/**
 * Watches Postgres (periodic ping) and the bus (its health events) after startup and reports them into the
 * health state, so `/health` turns degraded while one is lost and back to ok by itself when it returns.
 */
export class DependencyMonitor implements Service {
  readonly name = "dependency-monitor";
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #health: HealthState;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopBusListener: (() => void) | undefined;
  #stopped = false;

  constructor(opts: { store: Store; bus: Bus; health: HealthState; log: Logger; intervalMs?: number }) {
    this.#store = opts.store;
    this.#bus = opts.bus;
    this.#health = opts.health;
    this.#log = opts.log;
    this.#intervalMs = opts.intervalMs ?? DEFAULT_STORE_PING_INTERVAL_MS;
  }

  start(): void {
    this.#report("redis", this.#bus.healthy);
    this.#stopBusListener = this.#bus.onHealthChange((healthy) => this.#report("redis", healthy));
    this.#schedule();
  }

  /** Stops watching first thing on shutdown, so a closing connection does not read as an outage. */
  async drain(): Promise<void> {
    await this.stop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#stopBusListener?.();
  }

  #schedule(): void {
    if (this.#stopped) return;
    const down = this.#health.isDown("postgres");
    const delay = down ? Math.min(this.#intervalMs, DOWN_STORE_PING_INTERVAL_MS) : this.#intervalMs;
    this.#timer = setTimeout(() => void this.#pingStore(), delay);
  }

  async #pingStore(): Promise<void> {
    let up = true;
    let failure: unknown;
    try {
      await withDeadline(this.#store.ping(), STORE_PING_DEADLINE_MS, "the store ping");
    } catch (error) {
      up = false;
      failure = error;
    }
    if (!this.#stopped) this.#report("postgres", up, failure);
    this.#schedule();
  }

  #report(dependency: "postgres" | "redis", up: boolean, error?: unknown): void {
    if (!this.#health.setDependency(dependency, up)) return;
    if (up) this.#log.info(`${dependency} is reachable again`, { dependency });
    else this.#log.warn(`${dependency} is unreachable; health is degraded`, { dependency, error });
  }
}
