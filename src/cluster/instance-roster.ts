import type { Bus, Unsubscribe } from "../bus/index.ts";
import type { Service } from "../lifecycle/index.ts";
import type { Logger } from "../log/index.ts";
import { addSeries, STATS_BUCKETS, type StatsSeries } from "../router/index.ts";

/** The bus channel instances describe themselves on (for operators; calls never depend on it). */
export const ROSTER_CHANNEL = "alkhub:roster";
/** How often each instance describes itself, in milliseconds. */
export const ROSTER_INTERVAL_MS = 5_000;
/** An instance not heard from for this many intervals is left out of the list. */
const ROSTER_MISSED_INTERVALS = 3;

/** What one instance says about itself. */
export interface InstanceFacts {
  id: string;
  version: string;
  /** Epoch ms the instance started. */
  startedAt: number;
  /** Registered spokes connected to it. */
  spokes: number;
  /** MCP sessions it holds. */
  mcpSessions: number;
  /** Its calls and errors per 10 s bucket (see `CallStats`). */
  stats: StatsSeries;
}

/** One roster message: `hello` asks the others to describe themselves at once; `bye` says this one leaves. */
type RosterMessage = { kind: "facts" | "hello"; facts: InstanceFacts } | { kind: "bye"; id: string };

/**
 * The members of the cluster as operators see them (`GET /api/v1/instances`, cluster-wide `GET /stats`): every
 * instance publishes its facts every `ROSTER_INTERVAL_MS` on the bus, and keeps what the others published. A
 * newcomer says `hello` so the others answer at once; a clean stop says `bye`; a killed instance drops out after
 * three silent intervals. With the memory bus the roster is this instance alone. Nothing here touches calls.
 */
export class InstanceRoster implements Service {
  readonly name = "instance-roster";
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #self: () => InstanceFacts;
  readonly #intervalMs: number;
  readonly #others = new Map<string, { facts: InstanceFacts; heardAt: number }>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: Unsubscribe | undefined;

  /** `self` describes this instance now (called once per interval and per request). */
  constructor(opts: { bus: Bus; log: Logger; self: () => InstanceFacts; intervalMs?: number }) {
    this.#bus = opts.bus;
    this.#log = opts.log;
    this.#self = opts.self;
    this.#intervalMs = opts.intervalMs ?? ROSTER_INTERVAL_MS;
  }

  async start(): Promise<void> {
    if (this.#bus.kind === "memory") return;
    this.#unsubscribe = await this.#bus.subscribe(ROSTER_CHANNEL, (text) => this.#onMessage(text));
    this.#publish("hello");
    this.#timer = setInterval(() => this.#publish("facts"), this.#intervalMs);
    this.#timer.unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (!this.#unsubscribe) return;
    const bye: RosterMessage = { kind: "bye", id: this.#bus.instanceId };
    await this.#bus.publish(ROSTER_CHANNEL, JSON.stringify(bye)).catch(() => {});
    await this.#unsubscribe();
    this.#unsubscribe = undefined;
  }

  /** This instance first, then the others heard from recently, by id. `self` marks this one. */
  members(now = Date.now()): Array<InstanceFacts & { self: boolean }> {
    const silentSince = now - ROSTER_MISSED_INTERVALS * this.#intervalMs;
    const others = [...this.#others.values()]
      .filter((entry) => entry.heardAt >= silentSince)
      .map((entry) => ({ ...entry.facts, self: false }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return [{ ...this.#self(), self: true }, ...others];
  }

  /** Calls and errors per bucket summed over the members (the others' as of their last message). */
  stats(now = Date.now()): StatsSeries {
    const [self, ...others] = this.members(now);
    const total = self!.stats;
    for (const other of others) addSeries(total, other.stats);
    return total;
  }

  #publish(kind: "facts" | "hello"): void {
    const message: RosterMessage = { kind, facts: this.#self() };
    this.#bus.publish(ROSTER_CHANNEL, JSON.stringify(message)).catch(() => {
      // The next interval tries again; the bus logs its own outage.
    });
  }

  #onMessage(text: string): void {
    const message = parseRosterMessage(text);
    if (!message) {
      this.#log.warn("ignored a malformed roster message", { length: text.length });
      return;
    }
    if (message.kind === "bye") {
      this.#others.delete(message.id);
      return;
    }
    if (message.facts.id === this.#bus.instanceId) return;
    this.#others.set(message.facts.id, { facts: message.facts, heardAt: Date.now() });
    if (message.kind === "hello") this.#publish("facts");
  }
}

/** A roster message, or undefined when `text` is not a well-formed one. */
export function parseRosterMessage(text: string): RosterMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (message.kind === "bye")
    return typeof message.id === "string" ? { kind: "bye", id: message.id } : undefined;
  if (message.kind !== "facts" && message.kind !== "hello") return undefined;
  const facts = message.facts as Record<string, unknown> | null;
  if (typeof facts !== "object" || facts === null) return undefined;
  const stats = facts.stats as Record<string, unknown> | null;
  const numbers = (list: unknown) =>
    Array.isArray(list) && list.length <= STATS_BUCKETS && list.every((n) => Number.isFinite(n) && n >= 0);
  const valid =
    typeof facts.id === "string" &&
    typeof facts.version === "string" &&
    Number.isFinite(facts.startedAt) &&
    Number.isInteger(facts.spokes) &&
    Number.isInteger(facts.mcpSessions) &&
    typeof stats === "object" &&
    stats !== null &&
    Number.isInteger(stats.firstBucket) &&
    numbers(stats.calls) &&
    numbers(stats.errors);
  return valid ? { kind: message.kind, facts: facts as unknown as InstanceFacts } : undefined;
}
