import type { Logger } from "../log/index.ts";
import type { BusHandler } from "./types.ts";

/** One local subscription: `active` turns false when it is unsubscribed, so queued deliveries skip it. */
export interface HandlerEntry {
  readonly channel: string;
  readonly handler: BusHandler;
  active: boolean;
}

/**
 * The local subscribers of one bus, by channel. Both implementations fan a message out through it, so a throwing
 * handler is handled the same way everywhere: logged with its channel, and the other handlers still run.
 */
export class HandlerRegistry {
  readonly #byChannel = new Map<string, Set<HandlerEntry>>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Adds a handler; the same function added twice is two subscriptions. */
  add(channel: string, handler: BusHandler): HandlerEntry {
    const entry: HandlerEntry = { channel, handler, active: true };
    let set = this.#byChannel.get(channel);
    if (!set) {
      set = new Set();
      this.#byChannel.set(channel, set);
    }
    set.add(entry);
    return entry;
  }

  /** Removes a handler. Returns true when it was the last one of its channel. Removing twice is harmless. */
  remove(entry: HandlerEntry): boolean {
    if (!entry.active) return false;
    entry.active = false;
    const set = this.#byChannel.get(entry.channel);
    if (!set) return false;
    set.delete(entry);
    if (set.size > 0) return false;
    this.#byChannel.delete(entry.channel);
    return true;
  }

  /** Whether `channel` has at least one local handler. */
  has(channel: string): boolean {
    return this.#byChannel.has(channel);
  }

  /** The channels with at least one local handler. */
  channels(): string[] {
    return [...this.#byChannel.keys()];
  }

  /** Calls every handler of `channel`. A handler that throws is logged and does not stop the others. */
  deliver(channel: string, message: string): void {
    const set = this.#byChannel.get(channel);
    if (!set) return;
    // A snapshot, so a handler that (un)subscribes while we iterate does not change who gets this message.
    for (const entry of [...set]) {
      if (!entry.active) continue;
      try {
        entry.handler(message, channel);
      } catch (error) {
        this.#log.error("bus handler threw", { channel, error });
      }
    }
  }

  /** Drops every handler (the bus is closing). */
  clear(): void {
    for (const set of this.#byChannel.values()) {
      for (const entry of set) entry.active = false;
    }
    this.#byChannel.clear();
  }
}

/** The `onHealthChange` listeners of one bus. A listener that throws is logged and does not stop the others. */
export class HealthListeners {
  readonly #listeners = new Set<(healthy: boolean) => void>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: (healthy: boolean) => void): () => void {
    // A wrapper, so the same function added twice is removed one registration at a time.
    const wrapper = (healthy: boolean) => listener(healthy);
    this.#listeners.add(wrapper);
    return () => {
      this.#listeners.delete(wrapper);
    };
  }

  /** Tells every listener the new health. */
  emit(healthy: boolean): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(healthy);
      } catch (error) {
        this.#log.error("bus health listener threw", { healthy, error });
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
