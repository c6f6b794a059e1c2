import type { Bus, Unsubscribe } from "../bus/index.ts";

/** The bus channel every instance announces itself on. */
export const INSTANCES_CHANNEL = "alkhub:instances";

/**
 * Knows which other instances are alive: each instance announces itself every `remoteAckMs / 2`; one not heard
 * from for `remoteAckMs` is reported dead, so calls waiting on it fail within `remoteAckMs` plus one check
 * interval instead of at their deadline. An instance never heard from counts as alive (a caller's ack timer
 * covers it).
 */
export class InstanceLiveness {
  readonly #bus: Bus;
  readonly #silenceMs: number;
  readonly #onDead: (instanceId: string) => void;
  readonly #lastHeard = new Map<string, number>();
  readonly #dead = new Set<string>();
  #timers: Array<ReturnType<typeof setInterval>> = [];
  #unsubscribe: Unsubscribe | undefined;

  constructor(bus: Bus, remoteAckMs: number, onDead: (instanceId: string) => void) {
    this.#bus = bus;
    this.#silenceMs = remoteAckMs;
    this.#onDead = onDead;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#bus.subscribe(INSTANCES_CHANNEL, (instanceId) => {
      if (instanceId === this.#bus.instanceId) return;
      this.#lastHeard.set(instanceId, Date.now());
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

  /** False only for an instance that was heard from and then went silent (or when the bus is down). */
  isAlive(instanceId: string): boolean {
    return this.#bus.healthy && !this.#dead.has(instanceId);
  }

  #check(): void {
    const silentSince = Date.now() - this.#silenceMs;
    for (const [instanceId, heardAt] of this.#lastHeard) {
      if (heardAt >= silentSince || this.#dead.has(instanceId)) continue;
      this.#dead.add(instanceId);
      this.#onDead(instanceId);
    }
  }
}
