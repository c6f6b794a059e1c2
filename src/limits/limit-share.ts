import type { Bus, Unsubscribe } from "../bus/index.ts";
import type { Logger } from "../log/index.ts";
import type { KeyLimits } from "./key-limits.ts";

/** The bus channel on which instances share per-key usage. */
export const LIMITS_CHANNEL = "alkhub:limits";
/** How often usage is shared (and how stale another instance's share may get: three intervals). */
export const SHARE_INTERVAL_MS = 250;
/** How often idle entries are swept on a single instance (nothing to share). */
const SOLO_SWEEP_MS = 10_000;

/** `[keyId, callsStarted, inFlight, mcpSessions, connections]` */
type ShareEntry = [string, number, number, number, number];

interface ShareMessage {
  type: "limits.usage";
  from: string;
  keys: ShareEntry[];
}

/**
 * Makes per-key limits cluster-wide over the bus (Redis): every `SHARE_INTERVAL_MS` each instance publishes, for
 * the keys active on it, the calls it admitted since the last share and what the key holds there. Receivers
 * charge their buckets with those calls and add the holdings to their caps. The hot path never waits on Redis;
 * a key can overshoot by at most what the other instances admit within one interval. With the in-process bus
 * there is no one to share with, and this only sweeps idle entries.
 */
export class LimitShare {
  readonly name = "limit-share";
  readonly #limits: KeyLimits;
  readonly #bus: Bus;
  readonly #log: Logger;
  /** Keys this instance reported non-zero last time: they are reported once more at zero. */
  #reported = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: Unsubscribe | undefined;

  constructor(limits: KeyLimits, bus: Bus, log: Logger) {
    this.#limits = limits;
    this.#bus = bus;
    this.#log = log;
  }

  async start(): Promise<void> {
    if (this.#bus.kind === "memory") {
      this.#timer = setInterval(() => this.#limits.sweep(Date.now(), 0), SOLO_SWEEP_MS);
      return;
    }
    this.#unsubscribe = await this.#bus.subscribe(LIMITS_CHANNEL, (text) => this.#receive(text));
    this.#timer = setInterval(() => this.#share(), SHARE_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#unsubscribe?.();
  }

  #share(): void {
    const now = Date.now();
    this.#limits.sweep(now, now - 3 * SHARE_INTERVAL_MS);
    const keys: ShareEntry[] = [];
    const reported = new Set<string>();
    for (const [keyId, usage] of this.#limits.active()) {
      const busy = usage.started > 0 || usage.inFlight > 0 || usage.mcpSessions > 0 || usage.connections > 0;
      if (!busy && !this.#reported.has(keyId)) continue;
      keys.push([keyId, usage.started, usage.inFlight, usage.mcpSessions, usage.connections]);
      usage.started = 0;
      if (busy) reported.add(keyId);
    }
    this.#reported = reported;
    if (keys.length === 0) return;
    const message: ShareMessage = { type: "limits.usage", from: this.#bus.instanceId, keys };
    this.#bus.publish(LIMITS_CHANNEL, JSON.stringify(message)).catch((error: unknown) => {
      // Limits fall back to this instance's own view until Redis is back.
      this.#log.debug("could not share per-key usage", { error });
    });
  }

  #receive(text: string): void {
    let message: Partial<ShareMessage>;
    try {
      message = JSON.parse(text) as Partial<ShareMessage>;
    } catch {
      return;
    }
    if (message.type !== "limits.usage" || typeof message.from !== "string" || !Array.isArray(message.keys))
      return;
    if (message.from === this.#bus.instanceId) return;
    const now = Date.now();
    for (const entry of message.keys) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string") continue;
      const [keyId, started, inFlight, mcpSessions, connections] = entry;
      const numbers = [started, inFlight, mcpSessions, connections].map((n) =>
        Number.isFinite(n) ? Number(n) : 0,
      );
      this.#limits.applyRemote(message.from, keyId, numbers as [number, number, number, number], now);
    }
  }
}
