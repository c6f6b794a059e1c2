import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv-provider.js";
import type { Identity } from "../auth/index.ts";
import type { Bus, Unsubscribe } from "../bus/index.ts";
import type { Catalog } from "../catalog/index.ts";
import type { Logger } from "../log/index.ts";
import type { Calls } from "../router/index.ts";
import { EndedSessions } from "./ended-sessions.ts";
import { RunningCalls } from "./running-calls.ts";
import { createMcpServer, type McpServerDeps, type McpTarget, type RequestAuth } from "./server-factory.ts";
import { SessionIds } from "./session-id.ts";
import { McpSessions } from "./sessions.ts";
import { primeEventStream } from "./sse.ts";

/** The bus channel on which instances pass on cancellations of calls they do not run themselves. */
export const MCP_CHANNEL = "alkhub:mcp";
/** Default time an unused MCP session is kept. */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
const SWEEP_INTERVAL_MS = 60_000;

export interface McpEndpointOptions {
  /** Where tool calls go (the calls facade). */
  calls: Calls;
  catalog: Catalog;
  bus: Bus;
  log: Logger;
  /** Secret for session ids, the same on every instance (derived from the master key). */
  sessionSecret: Uint8Array;
  sessionIdleMs?: number;
}

type JsonRpcMessage = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: Record<string, unknown> };

/**
 * `/mcp` and `/mcp/spokes/<name>` over Streamable HTTP (MCP.md). Sessions live on whichever instance the
 * request reaches: ids are verifiable everywhere, so no sticky sessions are needed; cancellations find their
 * call across instances through the bus.
 */
export class McpEndpoint {
  readonly #options: McpEndpointOptions;
  readonly #running = new RunningCalls();
  readonly #validator = new AjvJsonSchemaValidator();
  readonly #ended = new EndedSessions();
  readonly #sessions: McpSessions;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #stopCatalogListener: (() => void) | undefined;

  constructor(options: McpEndpointOptions) {
    this.#options = options;
    this.#sessions = new McpSessions(this.#serverDeps(), new SessionIds(options.sessionSecret), options.log);
  }

  /** Sessions held by this instance. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.#options.bus.subscribe(MCP_CHANNEL, (text) => {
      const message = safeParse(text) as { type?: unknown; key?: unknown; id?: unknown } | undefined;
      if (message?.type === "mcp.cancel" && typeof message.key === "string") {
        this.#running.cancel(message.key, "cancelled by the MCP client");
      }
      if (message?.type === "mcp.ended" && typeof message.id === "string") this.#ended.add(message.id);
    });
    this.#stopCatalogListener = this.#options.catalog.onChange((spokeName) => {
      for (const session of this.#sessions.forSpoke(spokeName)) {
        session.server.sendToolListChanged().catch(() => {
          // No stream open for notifications: the client sees the change at its next tools/list.
        });
      }
    });
    const idleMs = this.#options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
    this.#sweep = setInterval(
      () => void this.#sessions.evictIdle(idleMs),
      Math.min(idleMs, SWEEP_INTERVAL_MS),
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweep);
    this.#stopCatalogListener?.();
    await this.#unsubscribe?.();
    await this.#sessions.closeAll();
  }

  /** Serves one HTTP request (POST, GET or DELETE) of `identity` for `target`. */
  async handle(request: Request, identity: Identity, target: McpTarget): Promise<Response> {
    let body: unknown;
    if (request.method === "POST") {
      const text = await request.text();
      body = safeParse(text);
      if (body === undefined) return jsonRpcError(400, -32700, "Parse error: the body is not valid JSON");
    }
    const sessionId = request.headers.get("mcp-session-id") ?? undefined;
    const messages = (Array.isArray(body) ? body : body === undefined ? [] : [body]) as JsonRpcMessage[];
    this.#forwardCancellations(messages, identity.keyId, sessionId);
    const auth: RequestAuth = { identity, signal: request.signal };
    const authInfo = {
      token: "",
      clientId: identity.keyId,
      scopes: [...identity.scopes],
      extra: { alkhub: auth },
    };

    if (messages.some((m) => m.method === "initialize")) {
      const session = await this.#sessions.open(identity.keyId, target);
      return session.transport.handleRequest(request, { parsedBody: body, authInfo });
    }
    if (sessionId === undefined) return this.#stateless(request, body, authInfo, target);
    if (this.#ended.has(sessionId)) return jsonRpcError(404, -32001, "Session not found");
    let session = this.#sessions.get(sessionId);
    if (session && (session.keyId !== identity.keyId || !sameTarget(session.target, target)))
      session = undefined;
    session ??= await this.#sessions.adopt(
      sessionId,
      identity.keyId,
      target,
      request.headers.get("mcp-protocol-version"),
    );
    if (!session) return jsonRpcError(404, -32001, "Session not found");
    session.lastUsedAt = Date.now();
    const response = await session.transport.handleRequest(request, { parsedBody: body, authInfo });
    if (request.method === "DELETE" && response.ok) this.#endSession(sessionId);
    // POST answers stream too (a long call sends nothing until its first notification): prime both.
    return primeEventStream(response);
  }

  /** A request without a session: served by a throwaway server whose answer is plain JSON. */
  async #stateless(request: Request, body: unknown, authInfo: object, target: McpTarget): Promise<Response> {
    if (request.method !== "POST") {
      return jsonRpcError(400, -32000, "Bad Request: no Mcp-Session-Id header (initialize first)");
    }
    const server = createMcpServer(target, this.#serverDeps());
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request, { parsedBody: body, authInfo: authInfo as never });
    } finally {
      void server.close().catch(() => {});
    }
  }

  /** A session the client ended stays ended on every instance (see `EndedSessions`). */
  #endSession(sessionId: string): void {
    this.#ended.add(sessionId);
    this.#options.bus
      .publish(MCP_CHANNEL, JSON.stringify({ type: "mcp.ended", id: sessionId }))
      .catch((error: unknown) => {
        this.#options.log.debug("could not tell other instances of an ended MCP session", { error });
      });
  }

  /**
   * `notifications/cancelled` may arrive apart from its call (another POST, another instance): cancel it here
   * if it runs here, otherwise tell the other instances.
   */
  #forwardCancellations(messages: JsonRpcMessage[], keyId: string, sessionId: string | undefined): void {
    for (const message of messages) {
      if (message.method !== "notifications/cancelled") continue;
      const requestId = message.params?.requestId;
      if (typeof requestId !== "string" && typeof requestId !== "number") continue;
      const key = RunningCalls.key(keyId, sessionId, requestId);
      if (this.#running.cancel(key, "cancelled by the MCP client")) continue;
      this.#options.bus
        .publish(MCP_CHANNEL, JSON.stringify({ type: "mcp.cancel", key }))
        .catch((error: unknown) => {
          this.#options.log.debug("could not pass on an MCP cancellation", { error });
        });
    }
  }

  #serverDeps(): McpServerDeps {
    return {
      calls: () => this.#options.calls,
      catalog: () => this.#options.catalog,
      running: this.#running,
      jsonSchemaValidator: this.#validator,
    };
  }
}

function sameTarget(a: McpTarget, b: McpTarget): boolean {
  return a.kind === b.kind && (a.kind === "meta" || a.spokeName === (b as { spokeName: string }).spokeName);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function jsonRpcError(status: number, code: number, message: string): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json" },
  });
}
