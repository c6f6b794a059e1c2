import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import type { KeyLimits } from "../limits/index.ts";
import type { Logger } from "../log/index.ts";
import type { HubError } from "../protocol/index.ts";
import { SessionEventStore, SSE_RETRY_MS } from "./event-store.ts";
import {
  createMcpServer,
  type McpServerDeps,
  type McpTarget,
  type SessionState,
  targetPath,
} from "./server-factory.ts";
import type { SessionIds } from "./session-id.ts";
import type { SessionLedger, SessionUse } from "./session-ledger.ts";

/** One MCP session on this instance: its SDK server and transport, bound to one key and one target. */
export interface McpSession {
  readonly id: string;
  readonly keyId: string;
  readonly target: McpTarget;
  readonly server: Server;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  readonly state: SessionState;
  /** When a request last arrived or a response or stream last ended. */
  lastUsedAt: number;
  /** Requests still being answered and streams still open: while any is, the session is in use. */
  active: number;
  /** Used since the ledger last heard of it. */
  usedSinceSweep: boolean;
  /** Whether it still counts against its key's session cap (until closed). */
  holdsSlot: boolean;
}

/**
 * The MCP sessions this instance holds. A session id minted by another instance (or before a restart) is
 * adopted: a local session is built for it and initialised on the client's behalf, so no request needs to
 * reach the instance that opened the session — unless the ledger says it ended. Idle sessions are evicted.
 */
export class McpSessions {
  readonly #sessions = new Map<string, McpSession>();
  readonly #deps: McpServerDeps;
  readonly #ids: SessionIds;
  readonly #ledger: SessionLedger;
  readonly #log: Logger;
  readonly #limits: KeyLimits;

  constructor(deps: McpServerDeps, ids: SessionIds, ledger: SessionLedger, log: Logger, limits: KeyLimits) {
    this.#deps = deps;
    this.#ids = ids;
    this.#ledger = ledger;
    this.#log = log;
    this.#limits = limits;
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(id: string): McpSession | undefined {
    return this.#sessions.get(id);
  }

  /**
   * A new session for an `initialize` request; it is stored once the transport has answered it (the caller
   * closes it when it was not). Refused when the key holds its cap of sessions.
   */
  async open(keyId: string, target: McpTarget): Promise<McpSession | HubError> {
    return this.#create(this.#ids.mint(keyId, targetPath(target)), keyId, target);
  }

  /**
   * Adopts a session id minted elsewhere for this key and endpoint; undefined when the id is not one of ours
   * or the session has ended. Refused when the key holds its cap of sessions.
   */
  async adopt(
    id: string,
    keyId: string,
    target: McpTarget,
    protocolVersion: string | null,
    idleMs: number,
  ): Promise<McpSession | HubError | undefined> {
    if (!this.#ids.verify(id, keyId, targetPath(target))) return undefined;
    if ((await this.#ledger.standing(id, idleMs)) === "ended") return undefined;
    // Another request for the same id may have adopted it meanwhile.
    const raced = this.#sessions.get(id);
    if (raced) return raced;
    const session = await this.#create(id, keyId, target, false);
    if (!("transport" in session)) return session;
    const initialize = new Request("http://localhost/mcp", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: "alkhub-adopt",
        method: "initialize",
        params: {
          protocolVersion: protocolVersion ?? LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: "adopted-session", version: "0" },
        },
      }),
    });
    await (await session.transport.handleRequest(initialize)).text();
    this.#log.debug("adopted an MCP session opened elsewhere", { target: session.target.kind });
    return session;
  }

  /** Every session serving one spoke's tools. */
  *forSpoke(spokeName: string): Iterable<McpSession> {
    for (const session of this.#sessions.values()) {
      if (session.target.kind === "spoke" && session.target.spokeName === spokeName) yield session;
    }
  }

  /** The sessions used since the last call, each with when it was last used (the ledger's `seen`). */
  takeUsed(now = Date.now()): SessionUse[] {
    const used: SessionUse[] = [];
    for (const session of this.#sessions.values()) {
      if (!session.usedSinceSweep && session.active === 0) continue;
      session.usedSinceSweep = false;
      // In use now, or last used at its own time: the sweep's clock would make a session that just went idle
      // look used for one sweep interval longer than it was.
      used.push({ id: session.id, at: session.active > 0 ? now : session.lastUsedAt });
    }
    return used;
  }

  /** Sessions not in use (no request, call or stream open) since `cutoff`. */
  idleSince(cutoff: number): McpSession[] {
    return [...this.#sessions.values()].filter((s) => s.active === 0 && s.lastUsedAt < cutoff);
  }

  /** Every session of key `keyId` (it was revoked): their streams end. */
  async closeKey(keyId: string): Promise<void> {
    const sessions = [...this.#sessions.values()].filter((session) => session.keyId === keyId);
    await Promise.all(sessions.map((session) => this.close(session)));
  }

  async close(session: McpSession): Promise<void> {
    if (this.#sessions.get(session.id) === session) this.#sessions.delete(session.id);
    this.#releaseSlot(session);
    await session.transport.close().catch(() => {});
    await session.server.close().catch(() => {});
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((session) => this.close(session)));
  }

  #releaseSlot(session: McpSession): void {
    if (!session.holdsSlot) return;
    session.holdsSlot = false;
    this.#limits.release("mcpSessions", session.keyId);
  }

  async #create(id: string, keyId: string, target: McpTarget, isNew = true): Promise<McpSession | HubError> {
    const refused = this.#limits.acquire("mcpSessions", keyId);
    if (refused) return refused;
    const state: SessionState = { logLevel: undefined };
    const server = createMcpServer(target, this.#deps, state);
    let session: McpSession | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: async () => {
        // Recorded before the client learns the id, so that any instance may adopt it at the next request.
        if (isNew) await this.#ledger.opened(id);
        if (session) this.#sessions.set(id, session);
      },
      onsessionclosed: () => {
        if (session && this.#sessions.get(id) === session) this.#sessions.delete(id);
        if (session) this.#releaseSlot(session);
      },
      eventStore: new SessionEventStore(),
      retryInterval: SSE_RETRY_MS,
    });
    await server.connect(transport);
    session = {
      id,
      keyId,
      target,
      server,
      transport,
      state,
      lastUsedAt: Date.now(),
      active: 0,
      usedSinceSweep: true,
      holdsSlot: true,
    };
    return session;
  }
}
