import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "../log/index.ts";
import { createMcpServer, type McpServerDeps, type McpTarget } from "./server-factory.ts";
import type { SessionIds } from "./session-id.ts";

/** One MCP session on this instance: its SDK server and transport, bound to one key and one target. */
export interface McpSession {
  readonly id: string;
  readonly keyId: string;
  readonly target: McpTarget;
  readonly server: Server;
  readonly transport: WebStandardStreamableHTTPServerTransport;
  lastUsedAt: number;
}

/**
 * The MCP sessions this instance holds. A session id minted by another instance (or before a restart) is
 * adopted: a local session is built for it and initialised on the client's behalf, so no request needs to
 * reach the instance that opened the session. Idle sessions are evicted.
 */
export class McpSessions {
  readonly #sessions = new Map<string, McpSession>();
  readonly #deps: McpServerDeps;
  readonly #ids: SessionIds;
  readonly #log: Logger;

  constructor(deps: McpServerDeps, ids: SessionIds, log: Logger) {
    this.#deps = deps;
    this.#ids = ids;
    this.#log = log;
  }

  get size(): number {
    return this.#sessions.size;
  }

  get(id: string): McpSession | undefined {
    return this.#sessions.get(id);
  }

  /** A new session for an `initialize` request; it is stored once the transport has answered it. */
  async open(keyId: string, target: McpTarget): Promise<McpSession> {
    return this.#create(this.#ids.mint(keyId), keyId, target);
  }

  /** Adopts a session id minted elsewhere for this key; undefined when the id is not one of ours. */
  async adopt(
    id: string,
    keyId: string,
    target: McpTarget,
    protocolVersion: string | null,
  ): Promise<McpSession | undefined> {
    if (!this.#ids.verify(id, keyId)) return undefined;
    const session = await this.#create(id, keyId, target);
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

  /** Closes sessions unused for `idleMs`. */
  async evictIdle(idleMs: number): Promise<number> {
    const cutoff = Date.now() - idleMs;
    const idle = [...this.#sessions.values()].filter((s) => s.lastUsedAt < cutoff);
    await Promise.all(idle.map((session) => this.close(session)));
    return idle.length;
  }

  async close(session: McpSession): Promise<void> {
    this.#sessions.delete(session.id);
    await session.transport.close().catch(() => {});
    await session.server.close().catch(() => {});
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((session) => this.close(session)));
  }

  async #create(id: string, keyId: string, target: McpTarget): Promise<McpSession> {
    const server = createMcpServer(target, this.#deps);
    let session: McpSession | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: () => {
        if (session) this.#sessions.set(id, session);
      },
      onsessionclosed: () => {
        this.#sessions.delete(id);
      },
    });
    await server.connect(transport);
    session = { id, keyId, target, server, transport, lastUsedAt: Date.now() };
    return session;
  }
}
