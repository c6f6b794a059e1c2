import type { Logger } from "../log/index.ts";
import type { Service } from "./service.ts";
import type { StartupStep } from "./steps.ts";

/** How long one part's drain or stop may take unless it says otherwise. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** A startup step failed; `cause` is the step's own error (it decides the exit code). */
export class StartupStepError extends Error {
  override readonly name = "StartupStepError";
  readonly step: StartupStep;

  constructor(step: StartupStep, cause: unknown) {
    super(`startup step ${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.step = step;
  }
}

/**
 * Runs the hub's life (ARCHITECTURE.md › Lifecycle): the named startup steps in order, the services they
 * bring up, and on shutdown — or when a step fails half-way — the mirror: every service drained newest first,
 * then every service stopped newest first. A drain or stop that fails or overruns its timeout is logged and the
 * rest still run.
 */
export class Supervisor {
  readonly #log: () => Logger;
  readonly #onStep: (step: StartupStep) => void;
  readonly #services: Service[] = [];
  #stopping: Promise<void> | undefined;

  /** `log` is read at each use: the logger is replaced once the configuration is loaded. */
  constructor(opts: { log: () => Logger; onStep: (step: StartupStep) => void }) {
    this.#log = opts.log;
    this.#onStep = opts.onStep;
  }

  /** Runs one startup step; when it fails, undoes what started so far and throws `StartupStepError`. */
  async step<T>(name: StartupStep, run: () => Promise<T> | T): Promise<T> {
    this.#onStep(name);
    try {
      return await run();
    } catch (error) {
      this.#log().error("startup failed", { step: name, error });
      await this.stop();
      throw new StartupStepError(name, error);
    }
  }

  /** Starts `service` and puts it on the shutdown list. A service whose start fails is not on it. */
  async start(service: Service): Promise<void> {
    await service.start?.();
    this.#services.push(service);
  }

  /** Puts an already running part (a connection a step opened) on the shutdown list. */
  manage(service: Service): void {
    this.#services.push(service);
  }

  /** The shutdown mirror; calling it again returns the same promise. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const newestFirst = this.#services.splice(0).reverse();
      for (const service of newestFirst) await this.#bounded(service, "drain");
      for (const service of newestFirst) await this.#bounded(service, "stop");
    })();
    return this.#stopping;
  }

  async #bounded(service: Service, phase: "drain" | "stop"): Promise<void> {
    const run = service[phase];
    if (!run) return;
    const timeoutMs = service.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const overrun = new Promise<"overrun">((resolve) => {
      timer = setTimeout(() => resolve("overrun"), timeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.resolve(run.call(service)), overrun]);
      if (outcome === "overrun") {
        this.#log().error(`shutdown ${phase} overran its time; moving on`, {
          part: service.name,
          timeoutMs,
        });
      }
    } catch (error) {
      this.#log().error(`shutdown ${phase} failed`, { part: service.name, error });
    } finally {
      clearTimeout(timer);
    }
  }
}
