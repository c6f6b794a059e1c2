/**
 * The in-process bus: the real default when one hub instance runs alone (STYLE.md › centrifuge). Messages never
 * leave the process, so "every instance" means this one.
 */
import { UnavailableError } from "../errors.ts";
import { type Logger, silentLogger } from "../log/index.ts";
import { HandlerRegistry, HealthListeners } from "./handlers.ts";
import { type Bus, type BusHandler, instanceChannel, type Unsubscribe } from "./types.ts";

/** Options of {@link createMemoryBus}. */
export interface MemoryBusOptions {
  /** This instance's id; default a random UUID. */
  instanceId?: string;
  /** Where handler failures are logged; default silent. */
  log?: Logger;
}

/**
 * Creates an in-process bus. Delivery happens on a microtask, so `publish` never runs a handler inside its caller,
 * and messages on one channel arrive in publish order. `healthy` is true until `close()`.
 */
export function createMemoryBus(opts: MemoryBusOptions = {}): Bus {
  return new MemoryBus(opts.instanceId ?? crypto.randomUUID(), opts.log ?? silentLogger);
}

class MemoryBus implements Bus {
  readonly kind = "memory";
  readonly instanceId: string;
  readonly #handlers: HandlerRegistry;
  readonly #health: HealthListeners;
  #closed = false;

  constructor(instanceId: string, log: Logger) {
    this.instanceId = instanceId;
    const busLog = log.child({ bus: "memory", instanceId });
    this.#handlers = new HandlerRegistry(busLog);
    this.#health = new HealthListeners(busLog);
  }

  get healthy(): boolean {
    return !this.#closed;
  }

  async publish(channel: string, message: string): Promise<void> {
    this.#assertOpen("publish");
    queueMicrotask(() => this.#handlers.deliver(channel, message));
  }

  async subscribe(channel: string, handler: BusHandler): Promise<Unsubscribe> {
    this.#assertOpen("subscribe");
    const entry = this.#handlers.add(channel, handler);
    return async () => {
      this.#handlers.remove(entry);
    };
  }

  sendToInstance(instanceId: string, message: string): Promise<void> {
    return this.publish(instanceChannel(instanceId), message);
  }

  onInstanceMessage(handler: BusHandler): Promise<Unsubscribe> {
    return this.subscribe(instanceChannel(this.instanceId), handler);
  }

  onHealthChange(listener: (healthy: boolean) => void): () => void {
    return this.#health.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    this.#health.emit(false);
    this.#health.clear();
  }

  #assertOpen(action: string): void {
    if (this.#closed) throw new UnavailableError(`memory bus is closed: cannot ${action}`);
  }
}
