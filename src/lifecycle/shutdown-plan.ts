import type { Logger } from "../log/index.ts";

/** The phases of shutdown, in the order they run (ARCHITECTURE.md › Lifecycle). */
export type ShutdownPhase = "drain" | "server" | "connections";
const PHASES: readonly ShutdownPhase[] = ["drain", "server", "connections"];

/**
 * What to undo on shutdown (or when startup fails half-way): parts register as they start; `run()` stops
 * them phase by phase — draining work first, then the listener and its sockets, then Redis and Postgres — and
 * within a phase newest first. A step that fails is logged and the rest still run.
 */
export class ShutdownPlan {
  readonly #steps = new Map<ShutdownPhase, Array<{ name: string; run: () => Promise<void> }>>(
    PHASES.map((phase) => [phase, []]),
  );

  add(phase: ShutdownPhase, name: string, run: () => Promise<void>): void {
    this.#steps.get(phase)!.unshift({ name, run });
  }

  async run(log: Logger): Promise<void> {
    for (const phase of PHASES) {
      const steps = this.#steps.get(phase)!;
      while (steps.length > 0) {
        const { name, run } = steps.shift()!;
        try {
          await run();
        } catch (error) {
          log.error("shutdown step failed", { phase, part: name, error });
        }
      }
    }
  }
}
