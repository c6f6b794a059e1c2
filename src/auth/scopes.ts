/** Every scope a key can carry (SECURITY.md). `admin` implies all others. */
export const SCOPES = ["admin", "spoke", "call", "read"] as const;

/** One permission of an API key. */
export type Scope = (typeof SCOPES)[number];

/** Who a verified key is and what it may do. */
export interface Identity {
  keyId: string;
  accountId: string;
  accountName: string;
  scopes: Scope[];
  /** Globs of spoke names the key may register (`spoke` scope). */
  spokeNames: string[];
  /** Globs of operation names the key may call (`call` scope). Default `["*"]`. */
  operations: string[];
  expiresAt: Date | null;
}

/** Whether `value` is a known scope name. */
export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Whether `identity` has `scope`, directly or through `admin`. */
export function hasScope(identity: Pick<Identity, "scopes">, scope: Scope): boolean {
  return identity.scopes.includes("admin") || identity.scopes.includes(scope);
}
