/**
 * One supervised connection to an MCP server, over stdio (a child process) or Streamable HTTP: connects with the
 * SDK's `Client`, lists tools (again on `tools/list_changed`), relays calls with progress and cancellation, and
 * reconnects (restarts the child) with jittered backoff whenever the connection ends. Phases only move forward
 * per connection; the link as a whole is `running` until `close()`.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type CallToolResult,
  ListRootsRequestSchema,
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
  type Tool,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { HubError } from "../protocol/index.ts";
import { backoffDelayMs, type ReconnectOptions } from "../sdk/index.ts";
import { ChildStdioTransport } from "./child-stdio-transport.ts";
import { describeTarget, type McpTarget, openTransport } from "./mcp-target.ts";
import { StderrTail } from "./stderr-tail.ts";

export type { McpTarget } from "./mcp-target.ts";

/** Structured logger; the project's `Logger` fits. */
export interface LinkLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What a link tells its owner. Listeners must not throw. */
export interface McpLinkEvents {
  /** The server's tools: after every (re)connect and every `tools/list_changed`. */
  tools(tools: Tool[], reason: "connected" | "list-changed"): void;
  /** The connection ended; calls fail until the next `tools`. */
  down(reason: string): void;
  /** A `notifications/message` from the server. */
  log(params: LoggingMessageNotification["params"]): void;
}

export interface McpLinkOptions {
  /** The server's name, for logs and errors. */
  name: string;
  target: McpTarget;
  log: LinkLogger;
  events: McpLinkEvents;
  /** How long `initialize` (and the first `tools/list`) may take, in ms. Default 30 000. */
  initializeTimeoutMs?: number;
  /** Backoff between reconnects. Defaults as the spoke SDK (250 ms doubling to 30 s). */
  reconnect?: ReconnectOptions;
  /**
   * How often an HTTP server is pinged, in ms, so that a server that went away is noticed without a call (stdio
   * children are watched through their process). Default 15 000.
   */
  pingIntervalMs?: number;
  /** Applied to every error text before it is logged or returned (removes credentials the link was given). */
  redact?: (text: string) => string;
}

/** Default limit of the MCP `initialize` exchange, in ms. */
export const DEFAULT_INITIALIZE_TIMEOUT_MS = 30_000;
/** A connection that stayed up this long resets the backoff. */
const STABLE_AFTER_MS = 30_000;
/** Longest a relayed call may take when the hub sent no deadline (the hub's own maximum), in ms. */
const NO_DEADLINE_TIMEOUT_MS = 3_600_000;
/** Default interval of pings to an HTTP server, in ms. */
export const DEFAULT_PING_INTERVAL_MS = 15_000;
/** Shortest time a ping may take before the server counts as gone, in ms. */
const MIN_PING_TIMEOUT_MS = 10_000;
/** HTTP answers after which the connection is dialled again (credentials changed, session lost). */
const REDIAL_STATUSES: ReadonlySet<number> = new Set([401, 403, 404]);

/** A failed connection attempt; `message` says why and includes the child's stderr tail when there is one. */
export class McpConnectError extends Error {
  override readonly name = "McpConnectError";
}

interface Connection {
  client: Client;
  transport: Transport;
  up: boolean;
  pingTimer?: ReturnType<typeof setInterval>;
  /** A `tools/list_changed` arrived before the first list was in: list again once up. */
  changedEarly: boolean;
}

/** One MCP server, kept connected until `close()`. */
export class McpLink {
  readonly name: string;
  readonly #options: McpLinkOptions;
  readonly #stderr = new StderrTail();
  #current: Connection | undefined;
  #closed = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #connectedAt = 0;
  #lastError: string | undefined;

  constructor(options: McpLinkOptions) {
    this.name = options.name;
    this.#options = options;
  }

  /** Whether a connection is up and its tools are known. */
  get up(): boolean {
    return this.#current?.up === true;
  }

  /** The process id of the stdio child while it runs. */
  get pid(): number | undefined {
    const transport = this.#current?.transport;
    return transport instanceof ChildStdioTransport ? transport.pid : undefined;
  }

  /** Why the last attempt failed, if it did (for status output). */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Connects now; on failure logs the reason and retries with backoff. Resolves after the first attempt. */
  async start(): Promise<void> {
    await this.#attemptConnect();
  }

  /**
   * Calls tool `tool`. Rejects with `HubError`: `SPOKE_UNAVAILABLE` while the server is not connected,
   * `SPOKE_DISCONNECTED` when the connection ends during the call, `ABORTED` when `signal` aborts (the server
   * gets `notifications/cancelled`), `TIMEOUT` after `deadline`, `EXECUTION_ERROR` for a JSON-RPC error.
   */
  async callTool(
    tool: string,
    args: Record<string, unknown>,
    options: { signal: AbortSignal; deadline?: number; onProgress?: (p: ProgressParams) => void },
  ): Promise<CallToolResult> {
    const connection = this.#current;
    if (!connection?.up) {
      throw new HubError("SPOKE_UNAVAILABLE", `MCP server "${this.name}" is not connected (reconnecting)`);
    }
    const timeout =
      options.deadline === undefined ? NO_DEADLINE_TIMEOUT_MS : Math.max(1, options.deadline - Date.now());
    try {
      const result = await connection.client.callTool({ name: tool, arguments: args }, undefined, {
        signal: options.signal,
        timeout,
        ...(options.onProgress ? { onprogress: options.onProgress } : {}),
      });
      return result as CallToolResult;
    } catch (error) {
      throw this.#callError(error, connection, options.signal);
    }
  }

  /** Stops reconnecting and closes the connection (a stdio child is terminated). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const connection = this.#current;
    this.#current = undefined;
    if (connection) {
      clearInterval(connection.pingTimer);
      await connection.client.close().catch(() => {});
    }
  }

  #callError(error: unknown, connection: Connection, signal: AbortSignal): HubError {
    if (error instanceof HubError) return error;
    if (signal.aborted) {
      // The SDK client has sent notifications/cancelled for it.
      this.#options.log.debug("call cancelled at the MCP server", { server: this.name });
      return new HubError("ABORTED", "the call was aborted");
    }
    const message = this.#redact(error instanceof Error ? error.message : String(error));
    if (this.#current === connection && this.#connectionFailed(error)) {
      this.#lost(connection, `the server answered: ${message}`);
      return new HubError("SPOKE_UNAVAILABLE", `MCP server "${this.name}" cannot be reached; reconnecting`);
    }
    if (!connection.up || this.#current !== connection) {
      return new HubError(
        "SPOKE_DISCONNECTED",
        `MCP server "${this.name}" went away during the call; it is being reconnected`,
      );
    }
    if (/timed out/i.test(message))
      return new HubError("TIMEOUT", `MCP server "${this.name}" did not answer in time`);
    return new HubError("EXECUTION_ERROR", `MCP server "${this.name}": ${message}`);
  }

  /** Whether `error` means the HTTP connection is gone or its credentials or session are no longer good. */
  #connectionFailed(error: unknown): boolean {
    if (this.#options.target.kind !== "http") return false;
    if (error instanceof StreamableHTTPError)
      return REDIAL_STATUSES.has(error.code ?? 0) || (error.code ?? 0) >= 500;
    return (
      error instanceof TypeError ||
      /ECONNREFUSED|ECONNRESET|fetch failed|Unable to connect/i.test(String(error))
    );
  }

  #redact(text: string): string {
    return this.#options.redact ? this.#options.redact(text) : text;
  }

  #startPings(connection: Connection): void {
    if (this.#options.target.kind !== "http") return;
    const interval = this.#options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    // A slow answer on a busy machine is not a dead server: the ping may take longer than the interval.
    const timeout = Math.max(interval, MIN_PING_TIMEOUT_MS);
    let pinging = false;
    connection.pingTimer = setInterval(() => {
      if (pinging) return;
      pinging = true;
      connection.client
        .ping({ timeout })
        .catch((error: unknown) => {
          const reason = this.#redact(error instanceof Error ? error.message : String(error));
          this.#lost(connection, `ping failed: ${reason}`);
        })
        .finally(() => {
          pinging = false;
        });
    }, interval);
  }

  async #attemptConnect(): Promise<void> {
    if (this.#closed) return;
    this.#attempt++;
    try {
      await this.#connect();
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = this.#redact(error instanceof Error ? error.message : String(error));
      this.#options.log.error("could not connect to the MCP server", {
        server: this.name,
        attempt: this.#attempt,
        error: this.#lastError,
      });
      this.#scheduleRetry();
    }
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    if (this.#connectedAt > 0 && Date.now() - this.#connectedAt > STABLE_AFTER_MS) this.#attempt = 1;
    const delayMs = backoffDelayMs(Math.max(1, this.#attempt), {
      initialDelayMs: this.#options.reconnect?.initialDelayMs ?? 250,
      maxDelayMs: this.#options.reconnect?.maxDelayMs ?? 30_000,
      maxAttempts: Number.POSITIVE_INFINITY,
    });
    this.#options.log.info("reconnecting to the MCP server", { server: this.name, delayMs });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#attemptConnect();
    }, delayMs);
  }

  async #connect(): Promise<void> {
    const { target } = this.#options;
    const transport = await this.#transport(target);
    const client = new Client(
      { name: "alkhub-bridge", version: "1" },
      { capabilities: { roots: { listChanged: true } } },
    );
    const connection: Connection = { client, transport, up: false, changedEarly: false };
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }));
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) =>
      this.#options.events.log(notification.params),
    );
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.#refresh(connection));
    client.onclose = () => this.#lost(connection, "the connection closed");
    client.onerror = (error) =>
      this.#options.log.debug("MCP transport error", {
        server: this.name,
        error: this.#redact(error.message),
      });
    this.#current = connection;
    const timeout = this.#options.initializeTimeoutMs ?? DEFAULT_INITIALIZE_TIMEOUT_MS;
    try {
      await client.connect(transport, { timeout });
      const tools = await this.#listTools(client, timeout);
      if (this.#closed || this.#current !== connection) throw new McpConnectError("closed while connecting");
      connection.up = true;
      this.#connectedAt = Date.now();
      this.#startPings(connection);
      this.#options.log.info("connected to the MCP server", { server: this.name, tools: tools.length });
      this.#options.events.tools(tools, "connected");
      if (connection.changedEarly) void this.#refresh(connection);
    } catch (error) {
      if (this.#current === connection) this.#current = undefined;
      await client.close().catch(() => {});
      throw new McpConnectError(this.#connectFailure(error), { cause: error });
    }
  }

  async #transport(target: McpTarget): Promise<Transport> {
    if (target.kind === "stdio") this.#stderr.clear();
    return openTransport(target, (chunk) => {
      for (const line of this.#stderr.push(chunk)) {
        this.#options.log.info("MCP server stderr", { server: this.name, line });
      }
    });
  }

  #connectFailure(error: unknown): string {
    const reason = this.#redact(error instanceof Error ? error.message : String(error));
    const { target } = this.#options;
    const where = describeTarget(target);
    const tail = this.#stderr.text();
    return (
      `MCP server "${this.name}" (${where}) did not initialize: ${reason}` +
      (target.kind === "stdio"
        ? tail
          ? `; its stderr ended with:\n${tail}`
          : "; it wrote nothing to stderr"
        : "")
    );
  }

  async #listTools(client: Client, timeout: number): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined && tools.length < 10_000);
    return tools;
  }

  async #refresh(connection: Connection): Promise<void> {
    if (this.#current !== connection) return;
    if (!connection.up) {
      connection.changedEarly = true;
      return;
    }
    try {
      const tools = await this.#listTools(connection.client, this.#options.initializeTimeoutMs ?? 30_000);
      if (this.#current === connection) this.#options.events.tools(tools, "list-changed");
    } catch (error) {
      this.#options.log.warn("could not list tools after tools/list_changed", {
        server: this.name,
        error: this.#redact(error instanceof Error ? error.message : String(error)),
      });
    }
  }

  #lost(connection: Connection, reason: string): void {
    if (this.#current !== connection) return;
    const wasUp = connection.up;
    connection.up = false;
    clearInterval(connection.pingTimer);
    this.#current = undefined;
    void connection.client.close().catch(() => {});
    if (this.#closed) return;
    if (wasUp) {
      const tail = this.#stderr.text();
      this.#options.log.warn("the MCP server went away", {
        server: this.name,
        reason,
        ...(tail ? { stderrTail: tail } : {}),
      });
      this.#options.events.down(reason);
      this.#scheduleRetry();
    }
  }
}

/** Progress as the SDK reports it. */
export interface ProgressParams {
  progress: number;
  total?: number;
  message?: string;
}
