import type { StartupStep } from "../lifecycle/index.ts";

/** A dependency whose loss degrades the hub after `ready`. Issue kinds are public: they name no host. */
export type DependencyName = "postgres" | "redis";

/** What `/health` answers: the wire shapes are the public contract (ARCHITECTURE.md › Lifecycle). */
export type HealthReport =
  | { status: "ok" }
  | { status: "starting"; step: StartupStep }
  | { status: "degraded"; issues: string[] }
  | { status: "draining" };

/**
 * The hub's health: which startup step runs, whether it is ready or draining, and which dependencies are down.
 * One instance per hub; parts report into it and `/health` and `/metrics` read it.
 */
export class HealthState {
  #step: StartupStep = "resolve-config";
  #stepStartedAt = performance.now();
  readonly #stepDurationsMs = new Map<StartupStep, number>();
  readonly #down = new Set<DependencyName>();
  #draining = false;
  readonly #readyListeners = new Set<() => void>();

  /** Marks `step` as the current one, recording how long the previous one took. */
  enter(step: StartupStep): void {
    const now = performance.now();
    this.#stepDurationsMs.set(this.#step, now - this.#stepStartedAt);
    this.#step = step;
    this.#stepStartedAt = now;
    if (step === "ready") for (const listener of this.#readyListeners) listener();
  }

  get step(): StartupStep {
    return this.#step;
  }

  get ready(): boolean {
    return this.#step === "ready";
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Milliseconds spent in each finished startup step. */
  get stepDurationsMs(): ReadonlyMap<StartupStep, number> {
    return this.#stepDurationsMs;
  }

  markDraining(): void {
    this.#draining = true;
  }

  /** Records whether a dependency is reachable. Returns true when that changed anything. */
  setDependency(name: DependencyName, up: boolean): boolean {
    const wasDown = this.#down.has(name);
    if (up) this.#down.delete(name);
    else this.#down.add(name);
    return wasDown === up;
  }

  isDown(name: DependencyName): boolean {
    return this.#down.has(name);
  }

  /** The `/health` body; `ok` only when ready, not draining and with nothing down. */
  report(): HealthReport {
    if (this.#draining) return { status: "draining" };
    if (this.#step !== "ready") return { status: "starting", step: this.#step };
    if (this.#down.size > 0)
      return { status: "degraded", issues: [...this.#down].sort().map((d) => `${d}-unavailable`) };
    return { status: "ok" };
  }
}
