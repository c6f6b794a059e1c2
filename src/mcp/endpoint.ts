import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv-provider.js";
import type { Identity } from "../auth/index.ts";
import type { Bus, Unsubscribe } from "../bus/index.ts";
import type { Catalog } from "../catalog/index.ts";
import { type KeyLimits, retryAfterHeader } from "../limits/index.ts";
import type { Logger } from "../log/index.ts";
import { HubError } from "../protocol/index.ts";
import type { Calls } from "../router/index.ts";
import type { Store } from "../store/index.ts";
import { type FastCallRequest, fastCallRequest, serveFastCall } from "./fast-call.ts";
import { NextWire } from "./next/next-wire.ts";
import { TaskBuffer } from "./next/task-buffer.ts";
import { hasNextVersionHeader, isNextWireBody } from "./next/wire.ts";
import { RunningCalls } from "./running-calls.ts";
import type { McpServerDeps, McpTarget, RequestAuth } from "./server-factory.ts";
import { SessionIds } from "./session-id.ts";
import { SessionLedger } from "./session-ledger.ts";
import { type McpSession, McpSessions } from "./sessions.ts";
import { trackResponse } from "./sse.ts";
import { StatelessServers } from "./stateless-servers.ts";

/** The bus channel on which instances pass on cancellations of calls they do not run themselves. */
export const MCP_CHANNEL = "alkhub:mcp";
/** Default time an unused MCP session is kept. */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
const SWEEP_INTERVAL_MS = 60_000;
/** Old ledger rows are purged every this many sweeps. */
const PURGE_EVERY_SWEEPS = 60;

export interface McpEndpointOptions {
  /** Where tool calls go (the calls facade). */
  calls: Calls;
  catalog: Catalog;
  bus: Bus;
  /** The shared store: the session ledger lives there. */
  store: Store;
  log: Logger;
  /** Secret for session ids, the same on every instance (derived from the master key). */
  sessionSecret: Uint8Array;
  sessionIdleMs?: number;
  /**
   * Close a running call's POST event stream after this long when the client can resume it (SEP-1699 polling:
   * the client reconnects with `Last-Event-ID` and receives the rest). 0 keeps streams open for the whole call.
   */
  ssePollMs?: number;
  /** Per-key session cap (`limits.perKey.maxMcpSessions`) and revoked keys. */
  limits: KeyLimits;
  /** This instance's id: recorded with the tasks it runs. Default: a random UUID. */
  instanceId?: string;
}

/** One request as the HTTP route hands it over: already authenticated, its body read within the size limit. */
export interface McpRequest {
  request: Request;
  identity: Identity;
  target: McpTarget;
  /** The parsed JSON body of a POST (undefined for GET and DELETE). */
  body: unknown;
  /**
   * Finds the client's address: with the key, it owns the calls of a request without a session (looked up only
   * then; it is a native call per request).
   */
  address: () => string;
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
  readonly #ledger: SessionLedger;
  readonly #deps: McpServerDeps;
  readonly #stateless: StatelessServers;
  readonly #sessions: McpSessions;
  readonly #idleMs: number;
  readonly #tasks: TaskBuffer;
  readonly #next: NextWire;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #sweeping = false;
  #sweeps = 0;
  #unsubscribe: Unsubscribe | undefined;
  #stopCatalogListener: (() => void) | undefined;

  constructor(options: McpEndpointOptions) {
    this.#options = options;
    this.#idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
    this.#ledger = new SessionLedger(options.store, options.log);
    this.#deps = {
      calls: () => this.#options.calls,
      catalog: () => this.#options.catalog,
      running: this.#running,
      jsonSchemaValidator: this.#validator,
      ssePollMs: options.ssePollMs ?? 0,
    };
    this.#stateless = new StatelessServers(this.#deps);
    this.#tasks = new TaskBuffer(options.store, options.instanceId ?? crypto.randomUUID());
    this.#next = new NextWire({
      deps: this.#deps,
      tasks: this.#tasks,
      cancelElsewhere: (key) => this.#publishCancel(key),
      log: options.log,
    });
    this.#sessions = new McpSessions(
      this.#deps,
      new SessionIds(options.sessionSecret),
      this.#ledger,
      options.log,
      options.limits,
    );
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
      if (message?.type === "mcp.ended" && typeof message.id === "string") this.#endedElsewhere(message.id);
    });
    this.#stopCatalogListener = this.#options.catalog.onChange((spokeName) => {
      this.#next.toolsChanged(spokeName);
      for (const session of this.#sessions.forSpoke(spokeName)) {
        session.server.sendToolListChanged().catch(() => {
          // No stream open for notifications: the client sees the change at its next tools/list.
        });
      }
    });
    // A quarter of the idle time, so that use on another instance reaches the ledger well before it counts.
    this.#sweep = setInterval(() => void this.#sweepOnce(), Math.min(this.#idleMs / 4, SWEEP_INTERVAL_MS));
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweep);
    this.#stopCatalogListener?.();
    this.#next.close();
    await this.#unsubscribe?.();
    await this.#sessions.closeAll();
  }

  /** Serves one HTTP request (POST, GET or DELETE) of `identity` for `target`. */
  async handle({ request, identity, target, body, address }: McpRequest): Promise<Response> {
    const sessionId = request.headers.get("mcp-session-id") ?? undefined;
    // Only objects can be JSON-RPC messages; the transport answers the rest (a batch may hold anything).
    const messages = (Array.isArray(body) ? body : [body]).filter(
      (m): m is JsonRpcMessage => typeof m === "object" && m !== null,
    );
    const owner = callOwner(identity, sessionId, address);
    if (owner !== undefined) this.#forwardCancellations(messages, owner);
    if (target.kind === "spoke" && !this.#spokeExists(target.spokeName, identity)) {
      return jsonRpcError(404, -32001, `No spoke named "${target.spokeName}"`);
    }
    // The 2026-07-28 revision: stateless requests with their own _meta, answered at this transport layer.
    const post = request.method === "POST";
    if (post && sessionId === undefined && isNextWireBody(body)) {
      return this.#next.serve(request, body, identity, target);
    }
    const fast = post ? fastCallRequest(request, body) : undefined;
    if (fast) {
      const served = await this.#serveFast(fast, identity, target, sessionId, owner, request.signal);
      if (served) return served;
    } else if (post && sessionId === undefined && hasNextVersionHeader(request, body)) {
      // After the fast path (which accepts only handshake versions), so its calls pay no extra header lookup.
      return this.#next.serve(request, body, identity, target);
    }
    // What the SDK's handlers read (`extra.authInfo`); made only here, so the fast path allocates none of it.
    const auth: RequestAuth = { identity, signal: request.signal, owner };
    const authInfo = {
      token: "",
      clientId: identity.keyId,
      scopes: [...identity.scopes],
      extra: { alkhub: auth },
    };
    if (messages.some((m) => m.method === "initialize")) {
      const session = await this.#sessions.open(identity.keyId, target);
      if (session instanceof HubError) return sessionRefused(session);
      const response = await this.#serve(session, request, body, authInfo);
      // An initialize the transport refused never stored the session: free its slot and objects.
      if (this.#sessions.get(session.id) !== session) await this.#sessions.close(session);
      return response;
    }
    if (sessionId === undefined) return this.#serveStateless(request, body, authInfo, target);
    let session: McpSession | HubError | undefined = this.#sessions.get(sessionId);
    if (session && (session.keyId !== identity.keyId || !sameTarget(session.target, target))) {
      return jsonRpcError(404, -32001, "Session not found");
    }
    session ??= await this.#sessions.adopt(
      sessionId,
      identity.keyId,
      target,
      request.headers.get("mcp-protocol-version"),
      this.#idleMs,
    );
    if (session instanceof HubError) return sessionRefused(session);
    if (!session) return jsonRpcError(404, -32001, "Session not found");
    const response = await this.#serve(session, request, body, authInfo);
    if (request.method === "DELETE" && response.ok) await this.#endSession(sessionId);
    return response;
  }

  /**
   * A lone `tools/call` without the SDK (fast-call.ts): stateless, or on a session this instance holds for this
   * key and endpoint. Undefined when the session must first be adopted (the SDK path does that).
   */
  async #serveFast(
    call: FastCallRequest,
    identity: Identity,
    target: McpTarget,
    sessionId: string | undefined,
    owner: string | undefined,
    httpSignal: AbortSignal,
  ): Promise<Response | undefined> {
    const deps = this.#deps;
    if (sessionId === undefined) {
      return serveFastCall(call, { identity, target, sessionId, owner, state: undefined, httpSignal, deps });
    }
    // With polling on, a session's long calls need the SDK's resumable streams (event ids, replay): leave them to
    // it. Otherwise nothing is lost: a client that drops a call's stream cancels the call, so there is nothing
    // to resume.
    if (deps.ssePollMs > 0) return undefined;
    const session = this.#sessions.get(sessionId);
    if (!session || session.keyId !== identity.keyId || !sameTarget(session.target, target)) return undefined;
    const release = this.#use(session);
    let response: Response;
    try {
      response = await serveFastCall(call, {
        identity,
        target,
        sessionId,
        owner,
        state: session.state,
        httpSignal,
        deps,
      });
    } catch (error) {
      release();
      throw error;
    }
    return trackResponse(response, release, httpSignal);
  }

  /** Marks `session` in use; the returned function ends that use. */
  #use(session: McpSession): () => void {
    session.active++;
    session.lastUsedAt = Date.now();
    session.usedSinceSweep = true;
    return () => {
      session.active--;
      session.lastUsedAt = Date.now();
    };
  }

  /** Serves one request of `session`, which stays in use until the answer (or its stream) is finished. */
  async #serve(session: McpSession, request: Request, body: unknown, authInfo: object): Promise<Response> {
    const release = this.#use(session);
    let response: Response;
    try {
      response = await session.transport.handleRequest(request, {
        parsedBody: body,
        authInfo: authInfo as never,
      });
    } catch (error) {
      release();
      throw error;
    }
    // POST answers stream too (a long call sends nothing until its first notification): prime both.
    return trackResponse(response, release, request.signal);
  }

  /** Whether `/mcp/spokes/<name>` names a spoke this key may see (else the endpoint does not exist for it). */
  #spokeExists(spokeName: string, identity: Identity): boolean {
    const spoke = this.#options.catalog.spoke(spokeName);
    return spoke !== undefined && this.#options.catalog.canSee(identity, spoke);
  }

  /**
   * Tells the ledger which sessions were used here, then ends those idle everywhere: a session with a request,
   * call or stream open is in use however long ago its last request came. Sessions idle here but used on
   * another instance are only dropped here (the client's next request adopts them again).
   */
  async #sweepOnce(): Promise<void> {
    if (this.#sweeping) return;
    this.#sweeping = true;
    try {
      const cutoff = Date.now() - this.#idleMs;
      await this.#ledger.seen(this.#sessions.takeUsed());
      const idle = this.#sessions.idleSince(cutoff);
      const ended = new Set(
        await this.#ledger.endIdle(
          idle.map((s) => s.id),
          new Date(cutoff),
        ),
      );
      for (const session of idle) {
        await this.#sessions.close(session);
        if (ended.has(session.id)) this.#publishEnded(session.id);
      }
      if (++this.#sweeps % PURGE_EVERY_SWEEPS === 0) {
        await this.#ledger.purge();
        await this.#tasks.purge();
      }
    } catch (error) {
      this.#options.log.warn("MCP session sweep failed; retrying at the next one", { error });
    } finally {
      this.#sweeping = false;
    }
  }

  /** A request without a session: answered as plain JSON by a pooled server (`StatelessServers`). */
  async #serveStateless(
    request: Request,
    body: unknown,
    authInfo: object,
    target: McpTarget,
  ): Promise<Response> {
    if (request.method !== "POST") {
      return jsonRpcError(400, -32000, "Bad Request: no Mcp-Session-Id header (initialize first)");
    }
    return this.#stateless.serve(target, request, body, authInfo);
  }

  /** Ends every session of a revoked key here (their streams close); its calls are aborted by the router. */
  async revokeKey(keyId: string): Promise<void> {
    await this.#sessions.closeKey(keyId);
  }

  /** A session the client ended stays ended on every instance and across restarts (`SessionLedger`). */
  async #endSession(sessionId: string): Promise<void> {
    await this.#ledger.end(sessionId);
    this.#publishEnded(sessionId);
  }

  /** Another instance ended a session: refuse it here too, and drop its copy if this instance holds one. */
  #endedElsewhere(sessionId: string): void {
    this.#ledger.endedElsewhere(sessionId);
    const session = this.#sessions.get(sessionId);
    if (session) void this.#sessions.close(session);
  }

  #publishEnded(sessionId: string): void {
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
  #forwardCancellations(messages: JsonRpcMessage[], owner: string): void {
    for (const message of messages) {
      if (message.method !== "notifications/cancelled") continue;
      const requestId = message.params?.requestId;
      if (typeof requestId !== "string" && typeof requestId !== "number") continue;
      const key = RunningCalls.key(owner, requestId);
      if (this.#running.cancel(key, "cancelled by the MCP client")) continue;
      this.#publishCancel(key);
    }
  }

  /** Asks the other instances to cancel the call under `key` (whichever runs it does). */
  #publishCancel(key: string): void {
    this.#options.bus
      .publish(MCP_CHANNEL, JSON.stringify({ type: "mcp.cancel", key }))
      .catch((error: unknown) => {
        this.#options.log.debug("could not pass on an MCP cancellation", { error });
      });
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

function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * Who owns the calls of a request, for cancellation by JSON-RPC id: the session (its id is unguessable and bound
 * to the key), or without one the key and the client address. Anonymous callers without a session share one
 * identity, so their calls are not cancellable by id at all (dropping the response stream still cancels).
 */
function callOwner(
  identity: Identity,
  sessionId: string | undefined,
  address: () => string,
): string | undefined {
  if (sessionId !== undefined) return `${identity.keyId}\u0000s:${sessionId}`;
  if (identity.keyId === ANONYMOUS_KEY_ID) return undefined;
  return `${identity.keyId}\u0000a:${address()}`;
}

/** The key id of callers without a key (`mcp.anonymous`). */
const ANONYMOUS_KEY_ID = "anonymous";

function sessionRefused(error: HubError): Response {
  return jsonRpcError(error.httpStatus, -32000, `${error.code}: ${error.message}`, retryAfterHeader(error));
}
