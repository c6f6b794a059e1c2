import { HubError } from "../protocol/index.ts";

/** The `limits.perKey` config section: what one key may cost (docs/security.md). */
export interface PerKeyLimits {
  enabled: boolean;
  callsPerSecond: number;
  callBurst: number;
  maxInFlight: number;
  maxMcpSessions: number;
  maxConnections: number;
}

/** Things a key holds for a while: calls in flight, MCP sessions, /ws connections. */
export type HeldKind = "inFlight" | "mcpSessions" | "connections";

/** What other instances last said one key holds there: `[inFlight, mcpSessions, connections, seenAt]`. */
type RemoteShare = [number, number, number, number];

/**
 * One key's usage on this instance. The router keeps a reference on each call it admits, so ending a call is
 * a decrement, not a lookup.
 */
export class KeyUsage {
  tokens: number;
  refilledAt: number;
  /** Calls started here since the last share with other instances. */
  started = 0;
  inFlight = 0;
  mcpSessions = 0;
  connections = 0;
  /** What the other instances hold, summed (zero without Redis). */
  remote = { inFlight: 0, mcpSessions: 0, connections: 0 };
  remoteByInstance: Map<string, RemoteShare> | undefined;
  /** Set once the key is revoked: every later admission is refused. */
  revoked = false;

  constructor(tokens: number, now: number) {
    this.tokens = tokens;
    this.refilledAt = now;
  }

  /** Whether this entry carries nothing worth keeping. */
  idle(burst: number): boolean {
    return (
      !this.revoked &&
      this.tokens >= burst &&
      this.started === 0 &&
      this.inFlight === 0 &&
      this.mcpSessions === 0 &&
      this.connections === 0 &&
      this.remoteByInstance === undefined
    );
  }
}

/** Retry-After of a refusal whose end the hub cannot predict (a cap on things held). */
const HELD_RETRY_AFTER_MS = 1000;

const HELD_NAMES: Record<HeldKind, string> = {
  inFlight: "calls in flight",
  mcpSessions: "MCP sessions",
  connections: "/ws connections",
};

/**
 * Per-key limits (issue #10 item 6): a token bucket for calls and caps on what a key holds at once. All checks
 * are synchronous map lookups and arithmetic, cheap enough for the relay's hot path; with Redis, a `LimitShare`
 * charges each bucket for the calls other instances admitted and adds their holdings to the caps, so the limits
 * hold cluster-wide within one share interval. A refusal is a `RATE_LIMITED` `HubError` whose details carry
 * `retryAfterMs` (surfaces turn it into `Retry-After`).
 */
export class KeyLimits {
  readonly settings: PerKeyLimits;
  readonly #usage = new Map<string, KeyUsage>();
  readonly #isRevoked: (keyId: string) => boolean;
  readonly #refillPerMs: number;

  /** `isRevoked` tells revoked keys (the auth `Revocations`); their entries refuse every admission. */
  constructor(settings: PerKeyLimits, isRevoked: (keyId: string) => boolean = () => false) {
    this.settings = settings;
    this.#isRevoked = isRevoked;
    this.#refillPerMs = settings.callsPerSecond / 1000;
  }

  /** The usage entry of `keyId`, made on first use. */
  usage(keyId: string, now = Date.now()): KeyUsage {
    let usage = this.#usage.get(keyId);
    if (!usage) {
      usage = new KeyUsage(this.settings.callBurst, now);
      if (this.#isRevoked(keyId)) usage.revoked = true;
      this.#usage.set(keyId, usage);
    }
    return usage;
  }

  /**
   * Admits one call of `keyId` at `now`: takes a token and checks the in-flight cap. Returns the key's usage
   * (hold the call with `usage.inFlight++`, end it with `usage.inFlight--`) or the refusal.
   */
  admitCall(keyId: string, now: number): KeyUsage | HubError {
    const usage = this.usage(keyId, now);
    if (usage.revoked) return new HubError("ACCESS_DENIED", "API key revoked");
    if (!this.settings.enabled) return usage;
    const { callBurst, maxInFlight } = this.settings;
    if (usage.refilledAt !== now) {
      usage.tokens = Math.min(callBurst, usage.tokens + (now - usage.refilledAt) * this.#refillPerMs);
      usage.refilledAt = now;
    }
    if (usage.tokens < 1) {
      const waitMs = Math.ceil((1 - usage.tokens) / this.#refillPerMs);
      return rateLimited(`more than ${this.settings.callsPerSecond} calls per second with this key`, waitMs);
    }
    if (usage.inFlight + usage.remote.inFlight >= maxInFlight) {
      return rateLimited(`${maxInFlight} calls of this key are already in flight`, HELD_RETRY_AFTER_MS);
    }
    usage.tokens -= 1;
    usage.started += 1;
    return usage;
  }

  /** Takes one MCP session or /ws connection for `keyId`, or returns the refusal. Undo with `release`. */
  acquire(kind: "mcpSessions" | "connections", keyId: string): HubError | undefined {
    const refusal = this.check(kind, keyId);
    if (refusal) return refusal;
    this.usage(keyId)[kind] += 1;
    return undefined;
  }

  /** Whether `acquire` would refuse now (without taking anything). */
  check(kind: "mcpSessions" | "connections", keyId: string): HubError | undefined {
    const usage = this.usage(keyId);
    if (usage.revoked) return new HubError("ACCESS_DENIED", "API key revoked");
    if (!this.settings.enabled) return undefined;
    const cap = kind === "mcpSessions" ? this.settings.maxMcpSessions : this.settings.maxConnections;
    if (usage[kind] + usage.remote[kind] >= cap) {
      return rateLimited(`this key already holds ${cap} ${HELD_NAMES[kind]}`, HELD_RETRY_AFTER_MS);
    }
    return undefined;
  }

  release(kind: "mcpSessions" | "connections", keyId: string): void {
    const usage = this.#usage.get(keyId);
    if (usage && usage[kind] > 0) usage[kind] -= 1;
  }

  /** From now on every admission of `keyId` is refused (the key was revoked). */
  revoke(keyId: string): void {
    const usage = this.#usage.get(keyId);
    if (usage) usage.revoked = true;
  }

  /** Lets `keyId` be admitted again after a cut that was undone (an operator enabled the key again). */
  restore(keyId: string): void {
    const usage = this.#usage.get(keyId);
    if (usage) usage.revoked = false;
  }

  /** Keys with usage worth telling other instances about, with what they started and hold. */
  *active(): Iterable<[string, KeyUsage]> {
    yield* this.#usage;
  }

  /**
   * Another instance's share for `keyId`: charges the bucket for the calls it started and records what it
   * holds (replacing its previous share).
   */
  applyRemote(instanceId: string, keyId: string, share: [number, number, number, number], now: number): void {
    const [started, inFlight, mcpSessions, connections] = share;
    const usage = this.usage(keyId, now);
    usage.tokens = Math.max(-this.settings.callBurst, usage.tokens - started);
    usage.remoteByInstance ??= new Map();
    usage.remoteByInstance.set(instanceId, [inFlight, mcpSessions, connections, now]);
    sumRemote(usage, Number.NEGATIVE_INFINITY);
  }

  /** Drops idle entries and other instances' shares older than `staleBefore`. */
  sweep(now: number, staleBefore: number): void {
    for (const [keyId, usage] of this.#usage) {
      if (usage.revoked && !this.#isRevoked(keyId)) usage.revoked = false;
      if (usage.remoteByInstance) sumRemote(usage, staleBefore);
      if (usage.refilledAt !== now) {
        usage.tokens = Math.min(
          this.settings.callBurst,
          usage.tokens + (now - usage.refilledAt) * this.#refillPerMs,
        );
        usage.refilledAt = now;
      }
      if (usage.idle(this.settings.callBurst)) this.#usage.delete(keyId);
    }
  }

  /** Keys tracked (for tests and metrics). */
  get size(): number {
    return this.#usage.size;
  }
}

function sumRemote(usage: KeyUsage, staleBefore: number): void {
  const remote = { inFlight: 0, mcpSessions: 0, connections: 0 };
  for (const [instanceId, [inFlight, mcpSessions, connections, seenAt]] of usage.remoteByInstance ?? []) {
    if (seenAt < staleBefore) {
      usage.remoteByInstance?.delete(instanceId);
      continue;
    }
    remote.inFlight += inFlight;
    remote.mcpSessions += mcpSessions;
    remote.connections += connections;
  }
  if (usage.remoteByInstance?.size === 0) usage.remoteByInstance = undefined;
  usage.remote = remote;
}

/** A `RATE_LIMITED` refusal that says when to try again. */
export function rateLimited(message: string, retryAfterMs: number): HubError {
  return new HubError("RATE_LIMITED", message, { details: { retryAfterMs } });
}

/** The `retryAfterMs` of a refusal, if it has one. */
export function retryAfterMsOf(error: HubError): number | undefined {
  const value = (error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof value === "number" ? value : undefined;
}

/** `Retry-After` (whole seconds, at least 1) for an error that carries `retryAfterMs`, else no header. */
export function retryAfterHeader(error: HubError): Record<string, string> {
  const ms = retryAfterMsOf(error);
  return ms === undefined ? {} : { "retry-after": String(Math.max(1, Math.ceil(ms / 1000))) };
}
