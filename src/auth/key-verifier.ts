import { withDeadline } from "../deadline.ts";
import { UnavailableError } from "../errors.ts";
import type { Store } from "../store/index.ts";
import { hashApiKey } from "./api-key.ts";
import type { Identity } from "./scopes.ts";
import { type VerifyResult, verifyApiKey } from "./verify.ts";

/** How long a verified identity is reused without asking the database (SECURITY.md: at most 30 s). */
export const DEFAULT_KEY_CACHE_TTL_MS = 30_000;
/** Most identities kept at once; the oldest entry goes first. */
export const DEFAULT_KEY_CACHE_MAX_ENTRIES = 10_000;
/**
 * How long after its last successful verification a key is still accepted while the database cannot be read
 * (docs/reliability.md › Postgres goes away): 5 minutes. Revocations heard on the bus still apply at once.
 */
export const DEFAULT_KEY_CACHE_STALE_MS = 300_000;
/** How long the key lookup may take before the request is answered `UNAVAILABLE` (a blackholed database). */
export const DEFAULT_KEY_LOOKUP_TIMEOUT_MS = 5000;

/** Options of a `KeyVerifier`. */
export interface KeyVerifierOptions {
  /** Cache lifetime of a verified identity. Default 30 s. */
  ttlMs?: number;
  /** How long past its last verification a cached identity serves while the database is unreachable. Default 5 min. */
  staleMs?: number;
  /** Deadline of the database lookup. Default 5 s. */
  lookupTimeoutMs?: number;
  maxEntries?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
  /** Keys revoked recently (`Revocations.isRevoked`): refused even when the database read raced the revocation. */
  isRevoked?: (keyId: string) => boolean;
}

/**
 * `verifyApiKey` with a per-instance cache of successful verifications, keyed by the key's hash (never the key).
 * Refusals are not cached. `evict(keyId)` drops a key at once (on `auth.revoked`), and a verification that was
 * running meanwhile does not cache its (possibly stale) answer.
 *
 * While the database cannot be read (refused, broken, or silent past `lookupTimeoutMs`), a key verified within
 * `staleMs` is still accepted from the cache — never past its expiry, never after a revocation this instance
 * heard of — and any other key makes `verify` throw `UnavailableError` (the surfaces answer 503 UNAVAILABLE).
 */
export class KeyVerifier {
  readonly #store: Pick<Store, "db">;
  readonly #ttlMs: number;
  readonly #staleMs: number;
  readonly #lookupTimeoutMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** `until`: fresh until then; `staleUntil`: usable while the database is unreachable until then. */
  readonly #cache = new Map<string, { identity: Identity; until: number; staleUntil: number }>();
  readonly #isRevoked: (keyId: string) => boolean;
  /** Bumped by every eviction: a verification that started before one must not fill the cache. */
  #generation = 0;
  /**
   * Lookups running now, by key hash: a fleet reconnecting with one key after a restart asks the database once,
   * not once per connection.
   */
  readonly #lookups = new Map<string, Promise<VerifyResult>>();
  #lookupFailure: unknown;

  constructor(store: Pick<Store, "db">, options: KeyVerifierOptions = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? DEFAULT_KEY_CACHE_TTL_MS;
    this.#staleMs = Math.max(this.#ttlMs, options.staleMs ?? DEFAULT_KEY_CACHE_STALE_MS);
    this.#lookupTimeoutMs = options.lookupTimeoutMs ?? DEFAULT_KEY_LOOKUP_TIMEOUT_MS;
    this.#maxEntries = options.maxEntries ?? DEFAULT_KEY_CACHE_MAX_ENTRIES;
    this.#now = options.now ?? Date.now;
    this.#isRevoked = options.isRevoked ?? (() => false);
  }

  /**
   * Verifies `presented`, from the cache when a fresh entry exists. Throws `UnavailableError` when the database
   * cannot be read and no usable (stale) entry exists.
   */
  async verify(presented: string): Promise<VerifyResult> {
    const hash = hashApiKey(presented);
    const now = this.#now();
    const cached = this.#cache.get(hash);
    if (cached && cached.until > now) return { ok: true, identity: cached.identity };
    if (cached && cached.staleUntil <= now) this.#cache.delete(hash);
    const stale = this.#usableStale(hash);
    if (stale && this.#lookupFailure !== undefined) {
      // The store is failing now: answer from the stale entry at once rather than make every caller wait for
      // another lookup to fail; one lookup in the background notices when the store is back.
      void this.#check(hash, presented, now).catch(() => {});
      return { ok: true, identity: stale };
    }
    try {
      return await this.#check(hash, presented, now);
    } catch (error) {
      // Whatever failed, the key could not be checked: a stale entry may serve (bounded, revocations applied).
      const fallback = this.#usableStale(hash);
      if (fallback) return { ok: true, identity: fallback };
      if (error instanceof UnavailableError) throw error;
      throw new UnavailableError("the API key store cannot be read", { cause: error });
    }
  }

  /** The identity of a stale but usable entry: within `staleMs` of its verification and not revoked. */
  #usableStale(hash: string): Identity | undefined {
    const entry = this.#cache.get(hash);
    if (!entry || entry.staleUntil <= this.#now() || this.#isRevoked(entry.identity.keyId)) return undefined;
    return entry.identity;
  }

  /** Looks the key up in the store and caches a success; rejects (and notes why) when the lookup fails. */
  async #check(hash: string, presented: string, now: number): Promise<VerifyResult> {
    const generation = this.#generation;
    let result: VerifyResult;
    try {
      result = await this.#lookup(hash, presented, now);
      this.#lookupFailure = undefined;
    } catch (error) {
      this.#lookupFailure = error;
      throw error;
    }
    // The row may have been read just before a revocation committed: the revocation wins.
    if (result.ok && this.#isRevoked(result.identity.keyId)) return { ok: false, reason: "revoked" };
    if (!result.ok) this.#cache.delete(hash);
    if (result.ok && this.#ttlMs > 0 && generation === this.#generation) {
      // An expiring key must not outlive its expiry in the cache.
      const expiry = result.identity.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
      this.#cache.delete(hash); // re-inserted last: the oldest-first eviction keeps recently verified keys
      this.#cache.set(hash, {
        identity: result.identity,
        until: Math.min(now + this.#ttlMs, expiry),
        staleUntil: Math.min(now + this.#staleMs, expiry),
      });
      if (this.#cache.size > this.#maxEntries) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
    }
    return result;
  }

  /** One bounded database lookup per key hash at a time; callers arriving meanwhile share it. */
  #lookup(hash: string, presented: string, now: number): Promise<VerifyResult> {
    const running = this.#lookups.get(hash);
    if (running) return running;
    const lookup = withDeadline(
      verifyApiKey(this.#store, presented, new Date(now)),
      this.#lookupTimeoutMs,
      "the API key lookup",
    ).finally(() => this.#lookups.delete(hash));
    this.#lookups.set(hash, lookup);
    return lookup;
  }

  /**
   * Why the last database lookup failed, while lookups fail (cleared by the next one that works); undefined
   * while they work. Keys served from the stale cache meanwhile do not clear it.
   */
  get lookupFailure(): unknown {
    return this.#lookupFailure;
  }

  /** Whether `presented` is verified and cached right now (no database read). */
  isCached(presented: string): boolean {
    return (this.#cache.get(hashApiKey(presented))?.until ?? 0) > this.#now();
  }

  /** Drops every cached identity of key `keyId`. */
  evict(keyId: string): void {
    this.#generation++;
    for (const [hash, entry] of this.#cache) {
      if (entry.identity.keyId === keyId) this.#cache.delete(hash);
    }
  }

  /** Drops everything. */
  clear(): void {
    this.#cache.clear();
  }

  /** Number of cached identities. */
  get size(): number {
    return this.#cache.size;
  }
}
