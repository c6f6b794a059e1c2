/**
 * Protocol version, subprotocol names and the hub's reserved operation namespace (PROTOCOL.md › Handshake,
 * Operation names). Both the hub and the spoke SDK import these; nothing here touches a socket.
 */

/** The version of the `/ws` protocol these schemas describe. Bumped only for breaking wire changes. */
export const PROTOCOL_VERSION = 1;

/** WebSocket subprotocol every client offers and the hub always answers with. */
export const SUBPROTOCOL = `alkhub.v${PROTOCOL_VERSION}`;

/**
 * Subprotocol a client offers before `alkhub.v1` when it can take several frames in one WebSocket message, one
 * per line (protocol.md › Batched messages). The hub answers with it when it can too; on such a connection either
 * side may send a text message holding frames separated by `\n`, each compact JSON (no newline inside a frame).
 */
export const BATCH_SUBPROTOCOL = `${SUBPROTOCOL}.batch`;

/**
 * Prefix of the subprotocol that carries the API key for clients that cannot set headers (browsers, Node's
 * global WebSocket): `Sec-WebSocket-Protocol: alkhub.v1, alkhub.bearer.<key>`. The hub never echoes it.
 */
export const BEARER_SUBPROTOCOL_PREFIX = "alkhub.bearer.";

/** Namespace of the hub's own operations; no spoke may be named `hub`. */
export const HUB_OPERATION_PREFIX = "hub.";

/**
 * The hub's own operations. They are invoked with ordinary `call.requested` frames whose `operation` is one of
 * these names and answered with `call.responded` / `call.error` like any other call.
 */
export const HUB_OPERATIONS = [
  "hub.register",
  "hub.list",
  "hub.search",
  "hub.schema",
  "hub.call",
  "hub.spokes",
] as const;

export type HubOperation = (typeof HUB_OPERATIONS)[number];

/** True when `operation` lies in the hub's reserved namespace (whether or not the hub knows it). */
export function isHubOperation(operation: string): boolean {
  return operation.startsWith(HUB_OPERATION_PREFIX);
}

/** The subprotocol list a header-less client offers: `["alkhub.v1", "alkhub.bearer.<token>"]`. */
export function bearerSubprotocols(token: string): [string, string] {
  return [SUBPROTOCOL, `${BEARER_SUBPROTOCOL_PREFIX}${token}`];
}

/** What a `Sec-WebSocket-Protocol` request header offered. */
export interface OfferedSubprotocols {
  /** Whether `alkhub.v1` was offered (the hub must then answer with it, or browsers fail the connection). */
  version: boolean;
  /** Whether `alkhub.v1.batch` was offered too. */
  batch: boolean;
  /** The key from `alkhub.bearer.<key>`, if one was offered. */
  token: string | undefined;
}

/** Reads a `Sec-WebSocket-Protocol` header value (comma separated, as browsers send it). Never throws. */
export function parseSubprotocolHeader(header: string | null | undefined): OfferedSubprotocols {
  const offered = (header ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  const bearer = offered.find((part) => part.startsWith(BEARER_SUBPROTOCOL_PREFIX));
  const token = bearer?.slice(BEARER_SUBPROTOCOL_PREFIX.length);
  return {
    version: offered.includes(SUBPROTOCOL),
    batch: offered.includes(BATCH_SUBPROTOCOL),
    token: token ? token : undefined,
  };
}
