import type { ServerWebSocket } from "bun";
import { Elysia } from "elysia";
import { type Identity, type KeyVerifier, presentedKey } from "../auth/index.ts";
import { parseSubprotocolHeader, SUBPROTOCOL } from "../protocol/index.ts";
import type { FrameSocket, SpokeGateway, SpokeSession } from "../spokes/index.ts";
import { jsonResponse } from "./json-response.ts";
import { checkOriginAndHost, type OriginPolicy } from "./origin-check.ts";

/** What the /ws route needs; resolved when a request arrives (the startup gate keeps it closed until then). */
export interface WsRouteDeps {
  gateway: () => SpokeGateway;
  keys: () => KeyVerifier;
  policy: OriginPolicy;
}

type UpgradeCheck =
  | { ok: true; identity: Identity }
  | { ok: false; status: 401 | 403 | 503; message: string };

/**
 * The whole per-socket state of a /ws connection, as Bun keeps it in `ws.data`. Elysia's server-wide WebSocket
 * handler calls `ws.data.open`, `.message`, `.pong` and `.close`; here they are methods on the prototype, so a
 * connection costs this one small object (and the session) — not the upgrade's whole request context, which
 * Elysia's own `.ws()` route keeps alive in closures for the life of the socket (about 20 KB a connection,
 * issue #11). Bun's socket itself is the session's `FrameSocket`.
 */
class WsConnection {
  readonly #gateway: SpokeGateway;
  /** The verified key until the socket opens, then the session (which holds the identity). */
  #state: Identity | SpokeSession;

  constructor(gateway: SpokeGateway, identity: Identity) {
    this.#gateway = gateway;
    this.#state = identity;
  }

  open(raw: ServerWebSocket<WsConnection>): void {
    const socket: FrameSocket = raw;
    this.#state = this.#gateway.open(socket, this.#state as Identity);
  }

  // Bun calls this inside its own callback, synchronously: the frames sent in answer are corked into one write.
  message(_raw: ServerWebSocket<WsConnection>, message: string | Buffer): void {
    this.#gateway.message(this.#state as SpokeSession, message);
  }

  pong(): void {
    this.#gateway.pong(this.#state as SpokeSession);
  }

  close(_raw: ServerWebSocket<WsConnection>, code: number, reason: string): void {
    this.#gateway.closed(this.#state as SpokeSession, code, reason);
  }
}

/**
 * `GET /ws`: authenticates before the upgrade (a bad key gets a real HTTP 401 and no socket), then upgrades with
 * a `WsConnection` as the socket's state. Bun's WebSocket is kept to this file; the session logic works on
 * `FrameSocket`.
 */
export function wsRoute(deps: WsRouteDeps) {
  return new Elysia({ name: "ws-route" }).get("/ws", async ({ request, server }) => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return refusal(426, "VALIDATION_ERROR", "GET /ws expects a WebSocket upgrade");
    }
    const check = await checkUpgrade(request, deps);
    if (!check.ok) return refusal(check.status, codeOf(check.status), check.message);
    // Browsers fail the connection unless the hub answers with one of the subprotocols they offered.
    const offered = parseSubprotocolHeader(request.headers.get("sec-websocket-protocol")).version;
    const upgraded = server?.upgrade(request, {
      headers: offered ? { "sec-websocket-protocol": SUBPROTOCOL } : undefined,
      data: new WsConnection(deps.gateway(), check.identity),
    });
    if (!upgraded) return refusal(400, "VALIDATION_ERROR", "the WebSocket upgrade failed");
    return undefined;
  });
}

function refusal(status: number, code: string, message: string): Response {
  return jsonResponse({ code, message }, status);
}

async function checkUpgrade(request: Request, deps: WsRouteDeps): Promise<UpgradeCheck> {
  const gateway = deps.gateway();
  if (gateway.draining)
    return { ok: false, status: 503, message: "the hub is shutting down; connect to another instance" };
  const originProblem = checkOriginAndHost(request.headers, deps.policy);
  if (originProblem) return { ok: false, status: 403, message: originProblem };
  const key = presentedKey(request.headers, { allowSubprotocol: true });
  if (!key)
    return { ok: false, status: 401, message: "an API key is required (Authorization: Bearer <key>)" };
  const verified = await deps.keys().verify(key);
  if (!verified.ok) return { ok: false, status: 401, message: `API key refused (${verified.reason})` };
  return { ok: true, identity: verified.identity };
}

function codeOf(status: 401 | 403 | 503): string {
  return status === 503 ? "UNAVAILABLE" : "ACCESS_DENIED";
}
