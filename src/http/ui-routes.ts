import { Elysia } from "elysia";
import type { VerifyResult } from "../auth/index.ts";
import type { HealthState } from "../health/index.ts";
import { HubError } from "../protocol/index.ts";
import {
  clearedSessionCookie,
  hasCsrfHeader,
  readSessionCookie,
  type SessionSealer,
  sessionCookie,
  uiAsset,
  uiIndexHtml,
} from "../ui/index.ts";
import { errorResponse, jsonResponse } from "./json-response.ts";
import { checkOriginAndHost, type OriginPolicy } from "./origin-check.ts";
import { type RequestAuthenticator, readJsonBody } from "./request-auth.ts";

/** What the dashboard routes need. */
export interface UiRouteDeps {
  auth: RequestAuthenticator;
  sealer: SessionSealer;
  verifyKeyId: (keyId: string) => Promise<VerifyResult>;
  policy: OriginPolicy;
  /** `server.trustProxy`: `X-Forwarded-Proto: https` marks the cookie Secure. */
  trustProxy: boolean;
  /**
   * The `/api/v1` routes this hub serves (`"GET /keys/{id}"`): the page asks only for what exists and shows
   * "not available on this hub" for the rest, instead of failing requests.
   */
  apiRoutes: readonly string[];
  /** What `/health` reports; the page reads it from `/ui/health`, which answers 200 even when degraded. */
  health: HealthState;
}

/**
 * The page's Content-Security-Policy: scripts, styles and requests from this origin only — no inline script or
 * style, no third party, no framing, no plugins.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": UI_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};
const SIGN_IN_BODY = { maxBytes: 4096, maxDepth: 4 };

/**
 * `/ui`: the operator dashboard (docs/dashboard.md). The shell and its hashed assets need no key; everything
 * shown comes from `/api/v1` with the session cookie. `POST /ui/session` exchanges an API key for the cookie,
 * `GET /ui/session` says who is signed in, `{ signedIn: false }` otherwise (and refreshes a half-spent cookie), `DELETE /ui/session` signs out.
 */
export function uiRoutes(deps: UiRouteDeps) {
  const secure = (request: Request) =>
    new URL(request.url).protocol === "https:" ||
    (deps.trustProxy && request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https");
  const shell = () =>
    new Response(uiIndexHtml(), {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        ...SECURITY_HEADERS,
      },
    });

  return (
    new Elysia({ name: "ui-routes" })
      .get("/ui", shell)
      .get("/ui/", shell)
      // /health answers 503 when degraded (for balancers); a browser counts that as a failed load.
      .get("/ui/health", () => jsonResponse(deps.health.report(), 200, { "cache-control": "no-store" }))
      .get("/ui/assets/:file", ({ params, request }) => {
        const asset = uiAsset(params.file);
        if (!asset) return errorResponse(new HubError("OPERATION_NOT_FOUND", "no such dashboard file"));
        const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
        return new Response(gzip ? asset.gzip : asset.body, {
          headers: {
            "content-type": asset.contentType,
            // The name carries the content's hash: it never changes under this URL.
            "cache-control": "public, max-age=31536000, immutable",
            vary: "accept-encoding",
            ...(gzip ? { "content-encoding": "gzip" } : {}),
            ...SECURITY_HEADERS,
          },
        });
      })
      .post(
        "/ui/session",
        async ({ request }) => {
          // Login CSRF: a browser always sends Origin on a POST; another site's must not sign this one in.
          const wrongOrigin = checkOriginAndHost(request.headers, deps.policy);
          if (wrongOrigin) return errorResponse(new HubError("ACCESS_DENIED", wrongOrigin));
          if (!hasCsrfHeader(request.headers)) {
            return errorResponse(
              new HubError("ACCESS_DENIED", "signing in needs the header X-Alkhub-CSRF: 1"),
            );
          }
          const body = await readJsonBody(request, SIGN_IN_BODY);
          if (body instanceof HubError) return errorResponse(body);
          const key = (body as { key?: unknown }).key;
          if (typeof key !== "string" || key.length === 0 || key.length > 512) {
            return errorResponse(
              new HubError("VALIDATION_ERROR", "body.key: must be the API key (a string)"),
            );
          }
          const checked = await deps.auth.checkKey(request, key.trim());
          if (!checked.ok) return jsonResponse(checked.error.toWire(), checked.status);
          const { identity } = checked;
          const { token, session } = deps.sealer.seal(identity.keyId, identity.expiresAt);
          return jsonResponse(sessionView(identity, session.expiresAt, deps.apiRoutes), 201, {
            "set-cookie": sessionCookie(token, session, secure(request)),
            "cache-control": "no-store",
          });
        },
        { parse: "none" },
      )
      .get("/ui/session", async ({ request }) => {
        const token = readSessionCookie(request.headers);
        if (!hasCsrfHeader(request.headers)) {
          return errorResponse(
            new HubError("ACCESS_DENIED", "the session needs the header X-Alkhub-CSRF: 1"),
          );
        }
        const session = token === undefined ? undefined : deps.sealer.open(token);
        // Not being signed in is an answer, not an error: the page asks this on every load.
        const signedOut = () =>
          jsonResponse({ signedIn: false }, 200, {
            "cache-control": "no-store",
            ...(token === undefined ? {} : { "set-cookie": clearedSessionCookie(secure(request)) }),
          });
        if (!session || token === undefined) return signedOut();
        const verified = await deps.verifyKeyId(session.keyId);
        if (!verified.ok) return signedOut();
        // A dashboard in use keeps its session: past half its life, the answer carries a fresh cookie.
        const headers: Record<string, string> = { "cache-control": "no-store" };
        let expiresAt = session.expiresAt;
        if (deps.sealer.wantsRefresh(session)) {
          const fresh = deps.sealer.seal(session.keyId, verified.identity.expiresAt);
          headers["set-cookie"] = sessionCookie(fresh.token, fresh.session, secure(request));
          expiresAt = fresh.session.expiresAt;
        }
        return jsonResponse(
          { signedIn: true, ...sessionView(verified.identity, expiresAt, deps.apiRoutes) },
          200,
          headers,
        );
      })
      .delete("/ui/session", ({ request }) => {
        if (!hasCsrfHeader(request.headers)) {
          return errorResponse(
            new HubError("ACCESS_DENIED", "signing out needs the header X-Alkhub-CSRF: 1"),
          );
        }
        return new Response(null, {
          status: 204,
          headers: { "set-cookie": clearedSessionCookie(secure(request)), "cache-control": "no-store" },
        });
      })
  );
}

function sessionView(
  identity: { keyId: string; accountName: string; scopes: string[]; operations: string[] },
  expiresAt: Date,
  routes: readonly string[],
) {
  return {
    keyId: identity.keyId,
    account: identity.accountName,
    scopes: identity.scopes,
    operations: identity.operations,
    expiresAt: expiresAt.toISOString(),
    routes,
  };
}
