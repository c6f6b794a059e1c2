/** How long a session id ended with DELETE stays refused. */
export const DEFAULT_ENDED_SESSION_TTL_MS = 24 * 60 * 60_000;
/** Most ended session ids remembered; the oldest are forgotten first. */
export const DEFAULT_ENDED_SESSION_LIMIT = 50_000;

/**
 * Session ids the client ended with DELETE. Any instance can verify (and so adopt) an id it did not mint, so an
 * ended session would come back to life at its next request; MCP says it must be answered 404 instead. Bounded
 * in time and count: the id stays verifiable, only this list keeps it dead.
 */
export class EndedSessions {
  /** Session id → epoch ms after which it is forgotten; insertion order is age order. */
  readonly #ids = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #limit: number;

  constructor(ttlMs = DEFAULT_ENDED_SESSION_TTL_MS, limit = DEFAULT_ENDED_SESSION_LIMIT) {
    this.#ttlMs = ttlMs;
    this.#limit = limit;
  }

  add(id: string, now = Date.now()): void {
    this.#ids.delete(id);
    this.#ids.set(id, now + this.#ttlMs);
    while (this.#ids.size > this.#limit) {
      const oldest = this.#ids.keys().next().value;
      if (oldest === undefined) break;
      this.#ids.delete(oldest);
    }
  }

  has(id: string, now = Date.now()): boolean {
    const expiresAt = this.#ids.get(id);
    if (expiresAt === undefined) return false;
    if (expiresAt > now) return true;
    this.#ids.delete(id);
    return false;
  }
}
