import type { CallHandle } from "../router/index.ts";

/**
 * The MCP tool calls running on this instance, by who owns them (the session, or the key and client address of
 * a request without one) and the JSON-RPC id, so that a `notifications/cancelled` finds its call however it
 * arrives — on the same session, in a separate POST, or on another instance (through the bus) — and no other
 * client can name it.
 */
export class RunningCalls {
  readonly #calls = new Map<string, CallHandle>();

  /** The registry key of one call. */
  static key(owner: string, requestId: string | number): string {
    return `${owner}\u0000${typeof requestId}:${requestId}`;
  }

  /** Registers a call; when its owner already runs one under the same id, the first keeps the name. */
  add(key: string, handle: CallHandle): void {
    if (!this.#calls.has(key)) this.#calls.set(key, handle);
  }

  remove(key: string, handle: CallHandle): void {
    if (this.#calls.get(key) === handle) this.#calls.delete(key);
  }

  /** Aborts the call under `key`; false when none runs here. */
  cancel(key: string, reason: string): boolean {
    const handle = this.#calls.get(key);
    if (!handle) return false;
    this.#calls.delete(key);
    handle.abort(reason);
    return true;
  }

  get size(): number {
    return this.#calls.size;
  }
}
