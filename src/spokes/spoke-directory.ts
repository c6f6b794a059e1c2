import type { SpokeSession } from "./session.ts";

/**
 * The registered spokes connected to this instance, by name and by connection id. A name is claimed before
 * the (asynchronous) catalog write, so two connections racing for one name cannot both win.
 */
export class SpokeDirectory {
  readonly #byName = new Map<string, SpokeSession>();
  readonly #byConnection = new Map<string, SpokeSession>();

  /** The session holding `name` on this instance. */
  byName(name: string): SpokeSession | undefined {
    return this.#byName.get(name);
  }

  /** The registered session of a connection, while it can still take calls. */
  byConnection(connectionId: string): SpokeSession | undefined {
    const session = this.#byConnection.get(connectionId);
    return session && (session.phase === "ready" || session.phase === "draining") ? session : undefined;
  }

  /** Makes `session` the holder of `name`, replacing any other holder (the caller decided takeover). */
  claim(name: string, session: SpokeSession): void {
    this.#byName.set(name, session);
    this.#byConnection.set(session.connectionId, session);
  }

  /** Releases `name` if `session` still holds it. Returns whether it did. */
  release(name: string, session: SpokeSession): boolean {
    this.#byConnection.delete(session.connectionId);
    if (this.#byName.get(name) !== session) return false;
    this.#byName.delete(name);
    return true;
  }

  get size(): number {
    return this.#byName.size;
  }
}
