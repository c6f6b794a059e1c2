import type { Bus } from "../bus/index.ts";
import type { Service } from "../lifecycle/index.ts";
import type { Logger } from "../log/index.ts";
import type { Store } from "../store/index.ts";
import type { HealthState } from "./state.ts";

/** How often the store is pinged after `ready`. */
export const DEFAULT_STORE_PING_INTERVAL_MS = 2000;

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
    this.#timer = setTimeout(() => void this.#pingStore(), this.#intervalMs);
  }

  async #pingStore(): Promise<void> {
    let up = true;
    let failure: unknown;
    try {
      await this.#store.ping();
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
