import {
  hasScope,
  type Identity,
  type KeyVerifier,
  parseApiKeyId,
  presentedKey,
  type VerifyResult,
} from "../auth/index.ts";
import { UnavailableError } from "../errors.ts";
import { type AuthFailures, retryAfterHeader } from "../limits/index.ts";
import type { Logger } from "../log/index.ts";
import { HubError } from "../protocol/index.ts";
import { storeErrorReason } from "../store/index.ts";
import { hasCsrfHeader, readSessionCookie, type SessionSealer } from "../ui/index.ts";
import { isAdminSocketRequest, LOCAL_SOCKET_ADDRESS } from "./admin-socket.ts";
import { type BodyLimits, parseJsonBody, readBodyText } from "./body.ts";
import { jsonResponse } from "./json-response.ts";

const WWW_AUTHENTICATE = { "www-authenticate": 'Bearer realm="alkhub"' };
/** When a caller refused for an unreachable key store should try again, in milliseconds. */
const STORE_RETRY_AFTER_MS = 1000;

/**
 * How a request proved who it is: a bearer key, a dashboard session cookie, or the local admin socket (then
 * `identity` is `LOCAL_SOCKET_IDENTITY`).
 */
export type AuthVia = "key" | "session" | "socket";

/** The caller of an HTTP request, or the 401/403/429 response to send. */
export type Auth = { ok: true; identity: Identity; via: AuthVia } | { ok: false; response: Response };

/**
 * Who a request on the local admin socket acts as: an admin of the `admin` account, with no key. Only the hub's
 * user can open the socket (docs/security.md › Local admin socket).
 */
export const LOCAL_SOCKET_IDENTITY: Identity = Object.freeze({
  keyId: LOCAL_SOCKET_ADDRESS,
  accountId: "admin",
  accountName: "admin",
  scopes: ["admin"],
  spokeNames: [],
  operations: ["*"],
  expiresAt: null,
}) as Identity;

/** The actor of an admin write (TEAM.md contract): the key's id, or no key for the local socket. */
export function actorOf(auth: Extract<Auth, { ok: true }>): { keyId: string | undefined; via: AuthVia } {
  return { keyId: auth.via === "socket" ? undefined : auth.identity.keyId, via: auth.via };
}

/** The outcome of checking a presented key: the identity, or the refusal with its HTTP status. */
export type KeyCheck =
  | { ok: true; identity: Identity }
  | { ok: false; status: 401 | 429 | 503; error: HubError };

/** What `RequestAuthenticator` needs; accessors, because the store opens after the listener. */
export interface RequestAuthenticatorOptions {
  keys: () => KeyVerifier;
  failures: AuthFailures;
  /** `server.trustProxy`: the client address is the last `X-Forwarded-For` entry (the proxy's view). */
  trustProxy: boolean;
  /** Dashboard sessions: accepted on `/api/v1` (with the CSRF header) when given. */
  sessions?: SessionAuthOptions;
  /** Where a failing key lookup is reported (once per episode). */
  log?: Logger;
}

/** What accepting dashboard session cookies needs. */
export interface SessionAuthOptions {
  sealer: SessionSealer;
  /** The key's standing now (revoked, disabled, expired are refused); never a cached answer. */
  verifyKeyId: (keyId: string) => Promise<VerifyResult>;
}

/** Paths where a session cookie stands in for a key. */
const SESSION_PATH_PREFIX = "/api/v1/";

/**
 * Authenticates requests on every surface: the presented key (bearer header; for /ws also the subprotocol),
 * with failed attempts counted per client address and per key id (`AuthFailures`): past the limit an attempt is
 * refused with 429 and `Retry-After` before any lookup.
 */
export class RequestAuthenticator {
  readonly #options: RequestAuthenticatorOptions;
  /** Key lookups are failing (reported once, and once more when they work again). */
  #lookupsFailing = false;
  #socketAddress: (request: Request) => string | undefined = () => undefined;

  constructor(options: RequestAuthenticatorOptions) {
    this.#options = options;
  }

  /** Tells where the socket address of a request comes from (the listening server, once it is up). */
  attach(socketAddress: (request: Request) => string | undefined): void {
    this.#socketAddress = socketAddress;
  }

  /** The client's address: the socket peer, or behind a trusted proxy the last `X-Forwarded-For` entry. */
  address(request: Request): string {
    if (isAdminSocketRequest(request)) return LOCAL_SOCKET_ADDRESS;
    if (this.#options.trustProxy) {
      const forwarded = request.headers.get("x-forwarded-for");
      const last = forwarded?.split(",").at(-1)?.trim();
      if (last) return last.slice(0, 64);
    }
    return this.#socketAddress(request) ?? "unknown";
  }

  /** Checks the key a request presents (subprotocol keys only when `allowSubprotocol`, i.e. /ws). */
  async check(request: Request, options: { allowSubprotocol: boolean }): Promise<KeyCheck> {
    const key = presentedKey(request.headers, options);
    if (!key) {
      return {
        ok: false,
        status: 401,
        error: new HubError("ACCESS_DENIED", "an API key is required (Authorization: Bearer <key>)"),
      };
    }
    return this.checkKey(request, key);
  }

  /** Checks `key` presented by `request` some other way than a header (the dashboard's sign-in body). */
  async checkKey(request: Request, key: string): Promise<KeyCheck> {
    let address: string | undefined;
    const addressOf = () => (address ??= this.address(request));
    const keyId = parseApiKeyId(key);
    const failures = this.#options.failures;
    const keys = this.#options.keys();
    // A key verified a moment ago is not held up by someone guessing at its id: only the guesses are.
    const waitMs = failures.blockedFor(addressOf, keys.isCached(key) ? undefined : keyId);
    if (waitMs > 0) {
      return {
        ok: false,
        status: 429,
        error: new HubError("RATE_LIMITED", "too many failed authentications; try again later", {
          details: { retryAfterMs: waitMs },
        }),
      };
    }
    let verified: Awaited<ReturnType<KeyVerifier["verify"]>>;
    try {
      verified = await keys.verify(key);
    } catch (error) {
      if (!(error instanceof UnavailableError)) throw error;
      this.#noteLookups(keys);
      // The key could not be checked (the database is away and the key is not in the cache): not a failed
      // attempt, and not an internal error either.
      return {
        ok: false,
        status: 503,
        error: new HubError("UNAVAILABLE", "the key cannot be checked right now (store unreachable); retry", {
          details: { retryAfterMs: STORE_RETRY_AFTER_MS },
        }),
      };
    }
    this.#noteLookups(keys);
    if (verified.ok) return verified;
    failures.failed(addressOf(), keyId, verified.reason);
    return {
      ok: false,
      status: 401,
      error: new HubError("ACCESS_DENIED", `API key refused (${verified.reason})`),
    };
  }

  /** Logs when key lookups start failing (with the store's reason) and when they work again: once each. */
  #noteLookups(keys: KeyVerifier): void {
    const failure = keys.lookupFailure;
    if ((failure !== undefined) === this.#lookupsFailing) return;
    this.#lookupsFailing = failure !== undefined;
    if (failure === undefined) this.#options.log?.info("API key lookups work again");
    else
      this.#options.log?.warn("API key lookups fail; keys not in the cache get 503 UNAVAILABLE", {
        reason: storeErrorReason(failure),
      });
  }

  /** Verifies the bearer key of an HTTP request (`Authorization` only: no subprotocols, no query string). */
  async authenticate(request: Request): Promise<Auth> {
    if (isAdminSocketRequest(request)) return { ok: true, identity: LOCAL_SOCKET_IDENTITY, via: "socket" };
    const session = this.#options.sessions && sessionToken(request);
    if (session !== undefined) return this.#authenticateSession(request, session);
    const checked = await this.check(request, { allowSubprotocol: false });
    if (checked.ok) return { ok: true, identity: checked.identity, via: "key" };
    const headers = checked.status === 401 ? WWW_AUTHENTICATE : retryAfterHeader(checked.error);
    return { ok: false, response: jsonResponse(checked.error.toWire(), checked.status, headers) };
  }

  /**
   * A dashboard session: the CSRF header is required on every method (a cross-site form or image cannot set
   * it, and a cross-site script cannot either without a CORS preflight the hub never grants); the sealed
   * cookie must open; the key it names must still be valid right now.
   */
  async #authenticateSession(request: Request, token: string): Promise<Auth> {
    const sessions = this.#options.sessions!;
    if (!hasCsrfHeader(request.headers)) {
      const error = new HubError("ACCESS_DENIED", "a dashboard session needs the header X-Alkhub-CSRF: 1");
      return { ok: false, response: jsonResponse(error.toWire(), 403) };
    }
    const refuse = (message: string) => ({
      ok: false as const,
      response: jsonResponse(new HubError("ACCESS_DENIED", message).toWire(), 401),
    });
    // An address blocked for guessing keys is blocked here too.
    if (this.#options.failures.blockedFor(() => this.address(request), undefined) > 0) {
      return refuse("too many failed authentications; try again later");
    }
    // Not counted as a failed authentication: a sealed token cannot be guessed, and an expired cookie is what
    // every browser left open past the session's end sends — counting it would lock out a shared address.
    const session = sessions.sealer.open(token);
    if (!session) return refuse("the dashboard session is invalid or expired; sign in again");
    const verified = await sessions.verifyKeyId(session.keyId);
    if (!verified.ok) return refuse(`the dashboard session's key was refused (${verified.reason})`);
    return { ok: true, identity: verified.identity, via: "session" };
  }
}

/** The session cookie of a request that may use one: `/api/v1` paths without an `Authorization` header. */
function sessionToken(request: Request): string | undefined {
  if (request.headers.has("authorization")) return undefined;
  const token = readSessionCookie(request.headers);
  if (token === undefined) return undefined;
  return new URL(request.url).pathname.startsWith(SESSION_PATH_PREFIX) ? token : undefined;
}

/**
 * The request body as JSON (an empty body is `{}`), or a `HubError` saying what is wrong with it. Reads no
 * further than `limits.maxBytes` (see `readBodyText`) and refuses nesting past `limits.maxDepth`.
 */
export async function readJsonBody(request: Request, limits: BodyLimits): Promise<unknown> {
  const text = await readBodyText(request, limits.maxBytes);
  if (text instanceof HubError) return text;
  if (text.trim() === "") return {};
  return parseJsonBody(text, limits.maxDepth);
}

/** The `/metrics` guard of `metrics.requireKey`: a valid key with scope `read` (or `admin`). */
export function metricsGuard(
  auth: RequestAuthenticator,
): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const checked = await auth.authenticate(request);
    if (!checked.ok) return checked.response;
    if (hasScope(checked.identity, "read")) return undefined;
    return jsonResponse({ code: "ACCESS_DENIED", message: "/metrics needs a key with scope read" }, 403);
  };
}
