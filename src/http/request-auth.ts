import { hasScope, type Identity, type KeyVerifier, presentedKey } from "../auth/index.ts";
import { HubError } from "../protocol/index.ts";
import { jsonResponse } from "./json-response.ts";

const WWW_AUTHENTICATE = { "www-authenticate": 'Bearer realm="alkhub"' };

/** The caller of an HTTP request, or the 401 response to send (with `WWW-Authenticate`). */
export type Auth = { ok: true; identity: Identity } | { ok: false; response: Response };

/** Verifies the bearer key of an HTTP request (`Authorization` only: no subprotocols, no query string). */
export async function authenticate(request: Request, keys: KeyVerifier): Promise<Auth> {
  const key = presentedKey(request.headers, { allowSubprotocol: false });
  const refuse = (message: string): Auth => ({
    ok: false,
    response: jsonResponse({ code: "ACCESS_DENIED", message }, 401, WWW_AUTHENTICATE),
  });
  if (!key) return refuse("an API key is required (Authorization: Bearer <key>)");
  const verified = await keys.verify(key);
  return verified.ok
    ? { ok: true, identity: verified.identity }
    : refuse(`API key refused (${verified.reason})`);
}

/** The request body as JSON (an empty body is `{}`), or a `HubError` saying what is wrong with it. */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) {
    return new HubError("PAYLOAD_TOO_LARGE", `the body is larger than ${maxBytes} bytes`);
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return new HubError("VALIDATION_ERROR", "the body is not valid JSON");
  }
}

/** The `/metrics` guard of `metrics.requireKey`: a valid key with scope `read` (or `admin`). */
export function metricsGuard(keys: () => KeyVerifier): (request: Request) => Promise<Response | undefined> {
  return async (request) => {
    const auth = await authenticate(request, keys());
    if (!auth.ok) return auth.response;
    if (hasScope(auth.identity, "read")) return undefined;
    return jsonResponse({ code: "ACCESS_DENIED", message: "/metrics needs a key with scope read" }, 403);
  };
}
