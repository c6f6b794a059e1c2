import { Elysia } from "elysia";
import type { Identity } from "../auth/index.ts";
import { type KeyLimits, retryAfterHeader } from "../limits/index.ts";
import { HubError, parseSubprotocolHeader, SUBPROTOCOL } from "../protocol/index.ts";
import type { FrameSocket, SpokeGateway, SpokeSession } from "../spokes/index.ts";
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
 * `GET /ws`: authenticates before the upgrade (a bad key gets a real HTTP 401 and no socket), then hands the
 * socket to the spoke gateway. Elysia is kept to this file; the session logic works on `FrameSocket`.
 */
export function wsRoute(deps: WsRouteDeps) {
  return new Elysia({ name: "ws-route" })
    .resolve(async ({ request }): Promise<{ upgradeCheck: UpgradeCheck }> => {
      // `resolve` runs once per upgrade (beforeHandle runs twice), so the key lookup lives here.
      return { upgradeCheck: await checkUpgrade(request, deps) };
    })
    .ws("/ws", {
      beforeHandle({ upgradeCheck, status, set }) {
        if (!upgradeCheck.ok) {
          Object.assign(set.headers, retryAfterHeader(upgradeCheck.error));
          return status(upgradeCheck.status, upgradeCheck.error.toWire());
        }
      },
      upgrade(context) {
        // Browsers fail the connection unless the hub answers with one of the subprotocols they offered.
        if (parseSubprotocolHeader(context.request.headers.get("sec-websocket-protocol")).version) {
          context.set.headers["sec-websocket-protocol"] = SUBPROTOCOL;
        }
      },
      open(ws) {
        const check = ws.data.upgradeCheck;
        if (!check.ok) return ws.raw.close(1008, "unauthorized");
        const raw = ws.raw;
        const socket: FrameSocket = {
          send: (text) => raw.send(text),
          ping: () => void raw.ping(),
          close: (code, reason) => raw.close(code, reason),
        };
        const gateway = deps.gateway();
        const session = gateway.open(socket, check.identity);
        (ws.data as { session?: SpokeSession }).session = session;
        // Elysia's per-message path is asynchronous (it parses inside a promise), so everything the hub sends in
        // answer runs after Bun has uncorked the socket: one syscall per frame. Taking over this socket's
        // message callback keeps the relay synchronous inside Bun's callback, where writes are batched, and hands
        // us the frame text to parse once. (Elysia's Bun adapter calls `ws.data.message`; covered by the /ws
        // suites, which fail if a version bump changes it.)
        (raw.data as { message?: (raw: unknown, message: string | Uint8Array) => void }).message = (
          _raw,
          message,
        ) => gateway.message(session, message);
      },
      message(ws, message) {
        const session = (ws.data as { session?: SpokeSession }).session;
        if (session) deps.gateway().message(session, message);
      },
      pong(ws) {
        const session = (ws.data as { session?: SpokeSession }).session;
        if (session) deps.gateway().pong(session);
      },
      close(ws, code, reason) {
        const session = (ws.data as { session?: SpokeSession }).session;
        if (session) deps.gateway().closed(session, code, reason);
      },
    });
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
  if (capped) return refuse(capped.httpStatus === 403 ? 401 : capped.httpStatus, capped);
  return checked;
}
