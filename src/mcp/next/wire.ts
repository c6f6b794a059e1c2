import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";

/**
 * The 2026-07-28 revision of MCP (SEP-2575 stateless requests, SEP-2243 routing headers, SEP-2549 caching hints,
 * SEP-2663 tasks). The pinned SDK (1.32.2) knows none of it, so the hub speaks it at its transport layer.
 */
export const NEXT_PROTOCOL_VERSION = "2026-07-28";
/**
 * Every version the hub speaks, newest first: 2026-07-28 with per-request `_meta` (this module), the older ones
 * through the `initialize` handshake of the SDK.
 */
export const ALL_PROTOCOL_VERSIONS = [NEXT_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS];

export const META_PROTOCOL_VERSION = "io.modelcontextprotocol/protocolVersion";
export const META_CLIENT_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
export const META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
export const META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
export const META_SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";
/** The tasks extension's id (SEP-2663), under `capabilities.extensions`. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** JSON-RPC error codes of the revision. */
export const HEADER_MISMATCH = -32020;
export const MISSING_CLIENT_CAPABILITY = -32021;
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INVALID_REQUEST = -32600;

export type RequestId = string | number;

/** One request of the 2026-07-28 wire, checked (`validateNextRequest`). */
export interface NextRequest {
  id: RequestId;
  method: string;
  params: Record<string, unknown>;
  /** `params._meta`, with the protocol version and client capabilities present. */
  meta: Record<string, unknown>;
}

/**
 * Whether the body of a POST without a session speaks 2026-07-28: it carries the per-request `_meta` protocol
 * version, or asks `server/discover`. Only the body is read (no header lookup), so the old wire's hot path pays
 * a few property checks; `hasNextVersionHeader` catches the rest once the fast path has declined the request.
 */
export function isNextWireBody(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const message = body as { method?: unknown; params?: { _meta?: unknown } };
  if (message.method === "server/discover") return true;
  const meta = message.params?._meta;
  return typeof meta === "object" && meta !== null && META_PROTOCOL_VERSION in meta;
}

/**
 * Whether a POST without a session names a protocol version the handshake does not know (2026-07-28 without its
 * `_meta`, or an unknown one): the 2026-07-28 wire answers it with the precise error (-32602 or -32022). Batches
 * stay with the SDK. Requests of clients that negotiated an older version, and `initialize`, never match.
 */
export function hasNextVersionHeader(request: Request, body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const version = request.headers.get("mcp-protocol-version");
  return version !== null && !HANDSHAKE_VERSIONS.has(version);
}

const HANDSHAKE_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS);

/** A JSON-RPC error answer with the request's id (null only when the body has none). */
export function errorAnswer(
  id: RequestId | null,
  status: number,
  code: number,
  message: string,
  data?: unknown,
): Response {
  const error = data === undefined ? { code, message } : { code, message, data };
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, error }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** A JSON-RPC result answer. */
export function resultAnswer(id: RequestId, result: unknown): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, result }), {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}

/**
 * Checks one request against the revision's transport rules, in the order the reference server applies them:
 * a JSON-RPC request with an id; the `MCP-Protocol-Version` header present; `_meta` with the protocol version and
 * client capabilities (-32602); header and `_meta` version equal (-32020); the version supported (-32022, with
 * the versions the hub speaks); then the routing headers (`routing-headers.ts`).
 */
export function validateNextRequest(request: Request, body: unknown): NextRequest | Response {
  const message = body as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  const id = typeof message.id === "string" || typeof message.id === "number" ? message.id : null;
  if (message.jsonrpc !== "2.0" || typeof message.method !== "string") {
    return errorAnswer(id, 400, INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 request");
  }
  if (id === null) {
    return errorAnswer(
      null,
      400,
      INVALID_REQUEST,
      "Invalid Request: a request needs an id (string or number)",
    );
  }
  const params = message.params ?? {};
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    return errorAnswer(id, 400, INVALID_PARAMS, "Invalid params: params must be an object");
  }
  const header = request.headers.get("mcp-protocol-version")?.trim();
  if (!header)
    return errorAnswer(id, 400, HEADER_MISMATCH, "Header mismatch: MCP-Protocol-Version header missing");
  const meta = (params as { _meta?: unknown })._meta;
  const metaVersion = (meta as Record<string, unknown> | undefined)?.[META_PROTOCOL_VERSION];
  if (header !== NEXT_PROTOCOL_VERSION && metaVersion === undefined) {
    // A client of some other version (not one the SDK negotiates either): say which versions there are.
    return unsupportedVersion(id, header);
  }
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    return errorAnswer(id, 400, INVALID_PARAMS, "Invalid params: params._meta is required");
  }
  const missing = [META_PROTOCOL_VERSION, META_CLIENT_CAPABILITIES].filter((key) => !(key in meta));
  if (missing.length > 0) {
    return errorAnswer(id, 400, INVALID_PARAMS, `Invalid params: params._meta lacks ${missing.join(", ")}`);
  }
  const version = (meta as Record<string, unknown>)[META_PROTOCOL_VERSION];
  const capabilities = (meta as Record<string, unknown>)[META_CLIENT_CAPABILITIES];
  if (typeof capabilities !== "object" || capabilities === null || Array.isArray(capabilities)) {
    return errorAnswer(
      id,
      400,
      INVALID_PARAMS,
      `Invalid params: params._meta["${META_CLIENT_CAPABILITIES}"] must be an object`,
    );
  }
  if (version !== header) {
    return errorAnswer(
      id,
      400,
      HEADER_MISMATCH,
      `Header mismatch: MCP-Protocol-Version "${header.slice(0, 40)}" differs from params._meta["${META_PROTOCOL_VERSION}"]`,
    );
  }
  if (version !== NEXT_PROTOCOL_VERSION) return unsupportedVersion(id, String(version));
  return {
    id,
    method: message.method,
    params: params as Record<string, unknown>,
    meta: meta as Record<string, unknown>,
  };
}

/** -32022 with the versions the hub speaks (older ones through `initialize`) and the one asked for. */
function unsupportedVersion(id: RequestId, requested: string): Response {
  return errorAnswer(
    id,
    400,
    UNSUPPORTED_PROTOCOL_VERSION,
    `Unsupported protocol version "${requested.slice(0, 40)}": per-request _meta needs ${NEXT_PROTOCOL_VERSION}; older versions use initialize`,
    { supported: ALL_PROTOCOL_VERSIONS, requested },
  );
}

/** Whether the request's client capabilities declare extension `id` (per request: SEP-2575). */
export function declaresExtension(meta: Record<string, unknown>, id: string): boolean {
  const capabilities = meta[META_CLIENT_CAPABILITIES] as { extensions?: unknown } | undefined;
  const extensions = capabilities?.extensions;
  return typeof extensions === "object" && extensions !== null && id in extensions;
}
