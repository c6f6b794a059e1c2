/**
 * Requests to a running hub's admin API: over its local admin socket (no key: the socket's file mode is the
 * check) or over HTTP with a bearer key. A hub still starting (503 with `Retry-After`) is waited for a while.
 */
import { UnavailableError } from "../errors.ts";
import type { AdminRequest, AdminTarget } from "./admin-target.ts";

/** What the hub answered: the status and the parsed JSON body (undefined when there was none). */
export interface RequestAnswer {
  status: number;
  body: unknown;
}

/** How long one request may take (a secrets rotation re-seals every row). */
const REQUEST_TIMEOUT_MS = 120_000;
/** How long a hub that answers "starting" is waited for. */
const STARTING_WAIT_MS = 60_000;

/** The admin API over the Unix socket at `path`. */
export function socketTransport(path: string): AdminTarget {
  return {
    kind: "socket",
    description: `the hub's admin socket ${path}`,
    // The host is never used: the socket is the whole address.
    request: (request) => send(`http://alkhub.local`, request, {}, { unix: path }),
    close: async () => {},
  };
}

/** The admin API of the hub at `base` (`http://host:port`), as the holder of `key`. */
export function urlTransport(base: string, key: string): AdminTarget {
  return {
    kind: "url",
    description: `the hub at ${base}`,
    request: (request) => send(base, request, { authorization: `Bearer ${key}` }, {}),
    close: async () => {},
  };
}

/** Where a hub with this `server` section listens, as seen from this machine. */
export function hubBaseUrl(server: { host: string; port: number }): string {
  const wildcard = server.host === "0.0.0.0" || server.host === "::";
  const host = wildcard ? "127.0.0.1" : server.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`;
}

async function send(
  base: string,
  request: AdminRequest,
  headers: Record<string, string>,
  extra: { unix?: string },
): Promise<RequestAnswer> {
  const url = new URL(`${base}/api/v1${request.path}`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  const init = {
    method: request.method,
    headers: { ...headers, ...(request.body === undefined ? {} : { "content-type": "application/json" }) },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    ...extra,
  };
  const giveUpAt = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const where = extra.unix ? `admin socket ${extra.unix}` : base;
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnavailableError(`the hub at ${where} did not answer: ${reason}`, { cause: error });
    }
    const text = await response.text();
    const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
    if (response.status === 503 && retryAfter > 0 && Date.now() + retryAfter * 1000 < giveUpAt) {
      await Bun.sleep(retryAfter * 1000);
      continue;
    }
    return { status: response.status, body: parseBody(text) };
  }
}

function parseBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return {
      code: "UNKNOWN_ERROR",
      message: `the hub answered something that is not JSON: ${text.slice(0, 200)}`,
    };
  }
}
