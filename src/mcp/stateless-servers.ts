import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  createMcpServer,
  type McpServerDeps,
  type McpTarget,
  type SessionState,
  targetPath,
} from "./server-factory.ts";

/** Idle servers kept per endpoint. */
const IDLE_PER_TARGET = 8;
/** Endpoints whose idle servers are kept; the least recently used goes first. */
const MAX_TARGETS = 64;

interface PooledServer {
  server: Server;
  state: SessionState;
}

/**
 * The SDK servers that answer requests without a session (other than the tool calls fast-call.ts answers). A
 * stateless SDK transport serves one request only, but the server behind it — its handlers and capabilities,
 * the costly part — is reused: connected to a fresh transport per request, then returned here.
 */
export class StatelessServers {
  readonly #idle = new Map<string, PooledServer[]>();
  readonly #deps: McpServerDeps;

  constructor(deps: McpServerDeps) {
    this.#deps = deps;
  }

  async serve(target: McpTarget, request: Request, body: unknown, authInfo: object): Promise<Response> {
    const key = targetPath(target);
    const pooled = this.#take(key) ?? this.#create(target);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await pooled.server.connect(transport);
    try {
      return await transport.handleRequest(request, { parsedBody: body, authInfo: authInfo as never });
    } finally {
      await pooled.server.close().catch(() => {});
      this.#give(key, pooled);
    }
  }

  #create(target: McpTarget): PooledServer {
    const state: SessionState = { logLevel: undefined };
    return { server: createMcpServer(target, this.#deps, state), state };
  }

  #take(key: string): PooledServer | undefined {
    const idle = this.#idle.get(key);
    if (!idle) return undefined;
    // Most recently used endpoint last.
    this.#idle.delete(key);
    this.#idle.set(key, idle);
    return idle.pop();
  }

  #give(key: string, pooled: PooledServer): void {
    // A stateless request's logging/setLevel must not reach the next one.
    pooled.state.logLevel = undefined;
    let idle = this.#idle.get(key);
    if (!idle) {
      idle = [];
      this.#idle.set(key, idle);
      if (this.#idle.size > MAX_TARGETS) this.#idle.delete(this.#idle.keys().next().value as string);
    }
    if (idle.length < IDLE_PER_TARGET) idle.push(pooled);
  }
}
