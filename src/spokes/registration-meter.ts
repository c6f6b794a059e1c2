/**
 * Meters `hub.register` (issue #10 item 2): a registration compiles schemas, writes the store and tells every
 * instance, so one key must not be able to send them without end. Per connection one registration at a time and
 * a token bucket; per key (on this instance) a token bucket; and a budget of distinct schema bytes each spoke and
 * each key may hold compiled. A refusal is `RATE_LIMITED` (rate) or `VALIDATION_ERROR` (budget), naming the limit.
 */
import { HubError, type OperationSpec } from "../protocol/index.ts";

/** The `registration` config section (the parts the meter applies). */
export interface RegistrationLimits {
  perConnectionPerMinute: number;
  perKeyPerMinute: number;
  /** Distinct schema text (bytes of JSON) one spoke may register. */
  maxSchemaBytesPerSpoke: number;
  /** Distinct schema text (bytes of JSON) the live spokes of one key on this instance may hold together. */
  maxSchemaBytesPerKey: number;
}

export const DEFAULT_REGISTRATION_LIMITS: RegistrationLimits = {
  perConnectionPerMinute: 10,
  perKeyPerMinute: 60,
  maxSchemaBytesPerSpoke: 1_048_576,
  maxSchemaBytesPerKey: 4_194_304,
};

/** A token bucket refilled continuously: `perMinute` tokens a minute, holding at most `perMinute`. */
export class TokenBucket {
  #tokens: number;
  #at: number;
  readonly #perMinute: number;

  constructor(perMinute: number, now = Date.now()) {
    this.#perMinute = perMinute;
    this.#tokens = perMinute;
    this.#at = now;
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(now = Date.now()): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is available. */
  waitMs(now = Date.now()): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) * 60_000) / this.#perMinute);
  }

  /** Whether the bucket is full (forgetting it changes nothing). */
  full(now = Date.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.#perMinute;
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#perMinute, this.#tokens + ((now - this.#at) * this.#perMinute) / 60_000);
    this.#at = now;
  }
}

/** Bytes of distinct schema JSON text in `operations` (identical schemas are compiled once). */
export function distinctSchemaBytes(operations: readonly OperationSpec[]): number {
  const texts = new Set<string>();
  for (const operation of operations) {
    texts.add(JSON.stringify(operation.inputSchema));
    if (operation.outputSchema !== undefined) texts.add(JSON.stringify(operation.outputSchema));
  }
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text);
  return bytes;
}

/** What a connection carries for the meter. */
export interface MeteredConnection {
  readonly identity: { keyId: string };
  registrationBucket: TokenBucket | undefined;
  registering: boolean;
}

/** The registration meter of one instance. */
export class RegistrationMeter {
  readonly #limits: RegistrationLimits;
  readonly #keyBuckets = new Map<string, TokenBucket>();
  /**
   * Schema bytes held, by key id: the total and each spoke's share. The total is kept as spokes come and go so
   * that checking a registration does not add up every spoke of the key (a fleet of 15,000 spokes under one key
   * made registering quadratic: 40% of the hub's time in a registration storm).
   */
  readonly #held = new Map<string, { total: number; bySpoke: Map<string, number> }>();

  constructor(limits: RegistrationLimits = DEFAULT_REGISTRATION_LIMITS) {
    this.#limits = limits;
  }

  /** Admits one registration on `connection` now, or says why not (`RATE_LIMITED`). */
  admit(connection: MeteredConnection, now = Date.now()): HubError | undefined {
    if (connection.registering) {
      return new HubError("RATE_LIMITED", "a registration is already in progress on this connection");
    }
    connection.registrationBucket ??= new TokenBucket(this.#limits.perConnectionPerMinute, now);
    if (!connection.registrationBucket.take(now)) {
      const waitMs = connection.registrationBucket.waitMs(now);
      return new HubError(
        "RATE_LIMITED",
        `at most ${this.#limits.perConnectionPerMinute} registrations a minute per connection; retry in ${waitMs} ms`,
        { details: { retryAfterMs: waitMs } },
      );
    }
    const keyId = connection.identity.keyId;
    let bucket = this.#keyBuckets.get(keyId);
    if (!bucket) {
      if (this.#keyBuckets.size >= 10_000) this.#forgetFullBuckets(now);
      bucket = new TokenBucket(this.#limits.perKeyPerMinute, now);
      this.#keyBuckets.set(keyId, bucket);
    }
    if (!bucket.take(now)) {
      const waitMs = bucket.waitMs(now);
      return new HubError(
        "RATE_LIMITED",
        `at most ${this.#limits.perKeyPerMinute} registrations a minute per key; retry in ${waitMs} ms`,
        { details: { retryAfterMs: waitMs } },
      );
    }
    return undefined;
  }

  /** Refuses (`VALIDATION_ERROR`) a spoke whose schemas would go over the spoke's or the key's budget. */
  checkBudget(keyId: string, spokeName: string, bytes: number): HubError | undefined {
    if (bytes > this.#limits.maxSchemaBytesPerSpoke) {
      return new HubError(
        "VALIDATION_ERROR",
        `input.operations: the distinct schemas are ${bytes} bytes; at most ${this.#limits.maxSchemaBytesPerSpoke} allowed per spoke`,
      );
    }
    const held = this.#held.get(keyId);
    const others = held ? held.total - (held.bySpoke.get(spokeName) ?? 0) : 0;
    if (others + bytes > this.#limits.maxSchemaBytesPerKey) {
      return new HubError(
        "VALIDATION_ERROR",
        `input.operations: this key's spokes would hold ${others + bytes} bytes of schemas; at most ${this.#limits.maxSchemaBytesPerKey} allowed per key`,
      );
    }
    return undefined;
  }

  /** Records that spoke `spokeName` of key `keyId` now holds `bytes` of schemas. */
  hold(keyId: string, spokeName: string, bytes: number): void {
    let held = this.#held.get(keyId);
    if (!held) {
      held = { total: 0, bySpoke: new Map() };
      this.#held.set(keyId, held);
    }
    held.total += bytes - (held.bySpoke.get(spokeName) ?? 0);
    held.bySpoke.set(spokeName, bytes);
  }

  /** Spoke `spokeName` of key `keyId` left (its connection closed). */
  release(keyId: string, spokeName: string): void {
    const held = this.#held.get(keyId);
    const bytes = held?.bySpoke.get(spokeName);
    if (!held || bytes === undefined) return;
    held.total -= bytes;
    held.bySpoke.delete(spokeName);
    if (held.bySpoke.size === 0) this.#held.delete(keyId);
  }

  #forgetFullBuckets(now: number): void {
    for (const [keyId, bucket] of this.#keyBuckets) if (bucket.full(now)) this.#keyBuckets.delete(keyId);
  }
}
