import type { ServerWebSocket } from "bun";
import { Elysia } from "elysia";
import type { Identity } from "../auth/index.ts";
import { type KeyLimits, retryAfterHeader } from "../limits/index.ts";
import {
  BATCH_SUBPROTOCOL,
  batchedFrames,
  HubError,
  parseSubprotocolHeader,
  SUBPROTOCOL,
} from "../protocol/index.ts";
import type { SpokeGateway, SpokeSession } from "../spokes/index.ts";
import { CoalescingSocket } from "./coalescing-socket.ts";
import { jsonResponse } from "./json-response.ts";
import { checkOriginAndHost, type OriginPolicy } from "./origin-check.ts";
import type { RequestAuthenticator } from "./request-auth.ts";

/** What the /ws route needs; resolved when a request arrives (the startup gate keeps it closed until then). */
export interface WsRouteDeps {
  gateway: () => SpokeGateway;
  auth: RequestAuthenticator;
  /** Per-key caps (`limits.perKey.maxConnections`). */
  limits: () => KeyLimits;
  policy: OriginPolicy;
}

type UpgradeCheck = { ok: true; identity: Identity } | { ok: false; status: number; error: HubError };

/**
 * The whole per-socket state of a /ws connection, as Bun keeps it in `ws.data`. Elysia's server-wide WebSocket
 * handler calls `ws.data.open`, `.message`, `.pong` and `.close`; here they are methods on the prototype, so a
 * connection costs this one small object (and the session) — not the upgrade's whole request context, which
 * Elysia's own `.ws()` route keeps alive in closures for the life of the socket (about 20 KB a connection,
 * issue #11). The session's `FrameSocket` is a `CoalescingSocket` over Bun's socket.
 */
class WsConnection {
  readonly #gateway: SpokeGateway;
  /** Whether the client agreed `alkhub.v1.batch`: its messages may hold several frames, one per line. */
  readonly #batch: boolean;
  /** The verified key until the socket opens, then the session (which holds the identity). */
  #state: Identity | SpokeSession;

  constructor(gateway: SpokeGateway, identity: Identity, batch: boolean) {
    this.#gateway = gateway;
    this.#state = identity;
    this.#batch = batch;
  }

  open(raw: ServerWebSocket<WsConnection>): void {
    const socket = new CoalescingSocket(raw, this.#batch);
    const session = this.#gateway.open(socket, this.#state as Identity);
    socket.onDropped = () => session.closeSlowConsumer();
    this.#state = session;
  }

  // The first frame sent to a socket in this turn of the event loop leaves at once; more in the same turn leave
  // together when it ends (CoalescingSocket).
  message(_raw: ServerWebSocket<WsConnection>, message: string | Buffer): void {
    const session = this.#state as SpokeSession;
    if (!this.#batch || typeof message !== "string" || !message.includes("\n")) {
      this.#gateway.message(session, message);
      return;
    }
    for (const frame of batchedFrames(message)) {
      // A connection closed by a frame of the batch (too many bad frames, say) reads no more of it.
      if (session.phase === "closing" || session.phase === "closed") return;
      this.#gateway.message(session, frame);
    }
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
      return refusal(426, new HubError("VALIDATION_ERROR", "GET /ws expects a WebSocket upgrade"));
    }
    const check = await checkUpgrade(request, deps);
    if (!check.ok) return refusal(check.status, check.error);
    // Browsers fail the connection unless the hub answers with one of the subprotocols they offered.
    // A client that offers `alkhub.v1.batch` too gets it (protocol.md › Batched messages).
    const offered = parseSubprotocolHeader(request.headers.get("sec-websocket-protocol"));
    const batch = offered.version && offered.batch;
    const upgraded = server?.upgrade(request, {
      headers: offered.version
        ? { "sec-websocket-protocol": batch ? BATCH_SUBPROTOCOL : SUBPROTOCOL }
        : undefined,
      data: new WsConnection(deps.gateway(), check.identity, batch),
    });
    if (!upgraded) return refusal(400, new HubError("VALIDATION_ERROR", "the WebSocket upgrade failed"));
    return undefined;
  });
}

/** A refused upgrade as plain HTTP, with `Retry-After` when the refusal says when to try again. */
function refusal(status: number, error: HubError): Response {
  return jsonResponse(error.toWire(), status, retryAfterHeader(error));
}

async function checkUpgrade(request: Request, deps: WsRouteDeps): Promise<UpgradeCheck> {
  const refuse = (status: number, error: HubError): UpgradeCheck => ({ ok: false, status, error });
  const gateway = deps.gateway();
  if (gateway.draining)
    return refuse(503, new HubError("UNAVAILABLE", "the hub is shutting down; connect to another instance"));
  const originProblem = checkOriginAndHost(request.headers, deps.policy);
  if (originProblem) return refuse(403, new HubError("ACCESS_DENIED", originProblem));
  const offered = request.headers.get("sec-websocket-protocol");
  // Bun answers with the first offered subprotocol when the hub picks none: a client offering only
  // `alkhub.bearer.<key>` would get its key echoed in a response header.
  if (offered !== null && !parseSubprotocolHeader(offered).version) {
    return refuse(400, new HubError("VALIDATION_ERROR", `offer the ${SUBPROTOCOL} subprotocol`));
  }
  const checked = await deps.auth.check(request, { allowSubprotocol: true });
  if (!checked.ok) return refuse(checked.status, checked.error);
  const capped = deps.limits().check("connections", checked.identity.keyId);
  if (capped) return refuse(capped.code === "RATE_LIMITED" ? 429 : 401, capped);
  return checked;
}
