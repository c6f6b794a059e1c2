/**
 * The dashboard's session cookie (docs/security.md › Dashboard sessions). A signed-in browser holds
 * `alkhub_session`: the API key's id and an expiry, sealed with AES-256-GCM under a key derived from the master
 * key (`SESSION_KEY_INFO`). Every instance sharing the master key derives the same key, so a session works
 * behind a load balancer and across restarts, and no instance keeps session state. The key itself never leaves
 * the sign-in request; each request with the cookie looks the key id up again, so a key revoked, disabled or
 * expired a moment ago ends its sessions on the next request.
 */
import { fromBase64Url, openAead, sealAead, toBase64Url } from "../crypto/index.ts";

/** The cookie's name. */
export const SESSION_COOKIE = "alkhub_session";
/** The header every cookie-authenticated `/api/v1` request must carry (value `1`): a cross-site form cannot. */
export const CSRF_HEADER = "x-alkhub-csrf";
/** HKDF info that turns the master key into the session-sealing key. */
export const SESSION_KEY_INFO = "alkhub/ui-session/v1";
/** How long a session lasts from sign-in or its last refresh: one hour. */
export const DEFAULT_SESSION_TTL_MS = 60 * 60 * 1000;

const TOKEN_VERSION = "v1";
const AAD = "alkhub_session/v1";
/** Key ids are short base62 strings; anything else in a sealed payload is refused. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What a valid session cookie says. */
export interface Session {
  keyId: string;
  expiresAt: Date;
}

/** Seals and opens session tokens with one 32-byte key. */
export class SessionSealer {
  readonly #key: Uint8Array;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(key: Uint8Array, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#key = key;
    this.#ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** A token for key `keyId`, valid for the session lifetime but never past the key's own expiry. */
  seal(keyId: string, keyExpiresAt: Date | null = null): { token: string; session: Session } {
    if (!KEY_ID.test(keyId)) throw new RangeError("a session needs a well-formed key id");
    const until = Math.min(this.#now() + this.#ttlMs, keyExpiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
    const plaintext = new TextEncoder().encode(JSON.stringify({ k: keyId, e: until }));
    const { iv, sealed } = sealAead(this.#key, plaintext, AAD);
    return {
      token: `${TOKEN_VERSION}.${toBase64Url(iv)}.${toBase64Url(sealed)}`,
      session: { keyId, expiresAt: new Date(until) },
    };
  }

  /** The session a token holds, or undefined when it is malformed, altered, sealed elsewhere or expired. */
  open(token: string): Session | undefined {
    if (token.length > 512) return undefined;
    const [version, ivText, bodyText, extra] = token.split(".");
    if (version !== TOKEN_VERSION || extra !== undefined) return undefined;
    const iv = ivText === undefined ? undefined : fromBase64Url(ivText);
    const body = bodyText === undefined ? undefined : fromBase64Url(bodyText);
    if (!iv || !body) return undefined;
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(openAead(this.#key, iv, body, AAD)));
    } catch {
      return undefined;
    }
    const { k, e } = (payload ?? {}) as { k?: unknown; e?: unknown };
    if (typeof k !== "string" || !KEY_ID.test(k) || typeof e !== "number") return undefined;
    if (e <= this.#now()) return undefined;
    return { keyId: k, expiresAt: new Date(e) };
  }

  /** Whether `session` is past half its life, so the next answer should carry a fresh cookie. */
  wantsRefresh(session: Session): boolean {
    return session.expiresAt.getTime() - this.#now() < this.#ttlMs / 2;
  }
}

/** The `alkhub_session` cookie of a request, when it carries one. */
export function readSessionCookie(headers: Headers): string | undefined {
  const cookie = headers.get("cookie");
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=");
  }
  return undefined;
}

/** Whether the request carries the CSRF header with value `1`. */
export function hasCsrfHeader(headers: Headers): boolean {
  return headers.get(CSRF_HEADER) === "1";
}

/**
 * `Set-Cookie` for a session: HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Path=/
 * (both /ui and /api/v1 need it), Secure when the dashboard is served over https.
 */
export function sessionCookie(token: string, session: Session, secure: boolean, now = Date.now()): string {
  const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - now) / 1000));
  return cookieText(token, maxAge, secure);
}

/** `Set-Cookie` that removes the session cookie (sign-out). */
export function clearedSessionCookie(secure: boolean): string {
  return cookieText("", 0, secure);
}

function cookieText(value: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [
    `${SESSION_COOKIE}=${value}`,
    "Path=/",
    `Max-Age=${maxAgeSeconds}`,
    "HttpOnly",
    "SameSite=Strict",
  ];
  if (secure) parts.push("Secure");
  return parts.join("; ");
}
