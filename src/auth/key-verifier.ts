import type { Store } from "../store/index.ts";
import { hashApiKey } from "./api-key.ts";
import type { Identity } from "./scopes.ts";
import { type VerifyResult, verifyApiKey } from "./verify.ts";

/** How long a verified identity is reused without asking the database (SECURITY.md: at most 30 s). */
export const DEFAULT_KEY_CACHE_TTL_MS = 30_000;
/** Most identities kept at once; the oldest entry goes first. */
export const DEFAULT_KEY_CACHE_MAX_ENTRIES = 10_000;

/** Options of a `KeyVerifier`. */
export interface KeyVerifierOptions {
  /** Cache lifetime of a verified identity. Default 30 s. */
  ttlMs?: number;
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
 */
export class KeyVerifier {
  readonly #store: Pick<Store, "db">;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, { identity: Identity; until: number }>();
  readonly #isRevoked: (keyId: string) => boolean;
  /** Bumped by every eviction: a verification that started before one must not fill the cache. */
  #generation = 0;

  constructor(store: Pick<Store, "db">, options: KeyVerifierOptions = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? DEFAULT_KEY_CACHE_TTL_MS;
    this.#maxEntries = options.maxEntries ?? DEFAULT_KEY_CACHE_MAX_ENTRIES;
    this.#now = options.now ?? Date.now;
    this.#isRevoked = options.isRevoked ?? (() => false);
  }

  /** Verifies `presented`, from the cache when a fresh entry exists. */
  async verify(presented: string): Promise<VerifyResult> {
    const hash = hashApiKey(presented);
    const now = this.#now();
    const cached = this.#cache.get(hash);
    if (cached && cached.until > now) return { ok: true, identity: cached.identity };
    if (cached) this.#cache.delete(hash);
    const generation = this.#generation;
    const result = await verifyApiKey(this.#store, presented, new Date(now));
    // The row may have been read just before a revocation committed: the revocation wins.
    if (result.ok && this.#isRevoked(result.identity.keyId)) return { ok: false, reason: "revoked" };
    if (result.ok && this.#ttlMs > 0 && generation === this.#generation) {
      // An expiring key must not outlive its expiry in the cache.
      const expiry = result.identity.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
      this.#cache.set(hash, { identity: result.identity, until: Math.min(now + this.#ttlMs, expiry) });
      if (this.#cache.size > this.#maxEntries) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
    }
    return result;
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
