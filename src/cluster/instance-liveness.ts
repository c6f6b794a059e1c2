import type { Bus, Unsubscribe } from "../bus/index.ts";

/** The bus channel every instance announces itself on. */
export const INSTANCES_CHANNEL = "alkhub:instances";

/**
 * Knows which other instances are alive: each instance announces itself every `remoteAckMs / 2`; one not heard
 * from for `remoteAckMs` is reported dead, so calls waiting on it fail within `remoteAckMs` plus one check
 * interval instead of at their deadline. An instance never heard from counts as alive when first asked about,
 * and dead if it stays silent for `remoteAckMs` from then (it may have died before this one started listening).
 */
export class InstanceLiveness {
  readonly #bus: Bus;
  readonly #silenceMs: number;
  readonly #deadListeners = new Set<(instanceId: string) => void>();
  readonly #lastHeard = new Map<string, number>();
  readonly #dead = new Set<string>();
  /** Instances a message was received from (not only asked about). */
  readonly #heard = new Set<string>();
  #timers: Array<ReturnType<typeof setInterval>> = [];
  #unsubscribe: Unsubscribe | undefined;

  constructor(bus: Bus, remoteAckMs: number) {
    this.#bus = bus;
    this.#silenceMs = remoteAckMs;
  }

  /** Calls `listener` with each instance found dead; returns the way to stop. */
  onDead(listener: (instanceId: string) => void): () => void {
    this.#deadListeners.add(listener);
    return () => this.#deadListeners.delete(listener);
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#bus.subscribe(INSTANCES_CHANNEL, (instanceId) => {
      if (instanceId === this.#bus.instanceId) return;
      this.#lastHeard.set(instanceId, Date.now());
      this.#heard.add(instanceId);
      this.#dead.delete(instanceId);
    });
    const announce = () => void this.#bus.publish(INSTANCES_CHANNEL, this.#bus.instanceId).catch(() => {});
    announce();
    this.#timers.push(setInterval(announce, Math.max(50, this.#silenceMs / 2)));
    this.#timers.push(setInterval(() => this.#check(), Math.max(50, Math.min(250, this.#silenceMs / 4))));
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await this.#unsubscribe?.();
  }

  /** False for an instance silent for `remoteAckMs` (heard from, or asked about, before), or when the bus is down. */
  isAlive(instanceId: string): boolean {
    if (!this.#lastHeard.has(instanceId) && instanceId !== this.#bus.instanceId) {
      this.#lastHeard.set(instanceId, Date.now());
    }
    return this.#bus.healthy && !this.#dead.has(instanceId);
  }

  /** True for an instance this one has heard announce itself and that has not gone silent since. */
  isHeard(instanceId: string): boolean {
    return this.#heard.has(instanceId) && this.isAlive(instanceId);
  }

  #check(): void {
    const silentSince = Date.now() - this.#silenceMs;
    for (const [instanceId, heardAt] of this.#lastHeard) {
      if (heardAt >= silentSince || this.#dead.has(instanceId)) continue;
      this.#dead.add(instanceId);
      for (const listener of this.#deadListeners) listener(instanceId);
    }
  }
}
