/**
 * The parts a route needs, handed over once the hub is ready. The HTTP listener opens first (so `/health`
 * answers during startup) and its startup gate refuses every other path until `ready`; by then `open()` has
 * run, so a route reading `parts` never sees it missing.
 */
export class ReadyParts<T> {
  #parts: T | undefined;

  open(parts: T): void {
    this.#parts = parts;
  }

  /** The parts; throws when read before `open()` (a route the startup gate failed to hold back). */
  get parts(): T {
    if (this.#parts === undefined) throw new Error("the hub is not ready yet");
    return this.#parts;
  }
}
