/**
 * One MCP server as one spoke: an `McpLink` to the server and a spoke connection to the hub that offers its
 * tools. The spoke is registered while the server is connected (so the catalog's `live` follows the server),
 * closed when the server goes away, and registered again after a restart or `tools/list_changed`. A tool the hub
 * refuses is left out with an error naming it; the others are still offered.
 */
import type { LoggingMessageNotification, Tool } from "@modelcontextprotocol/sdk/types.js";
import { type CallLogLevel, LOG_LEVELS } from "../protocol/index.ts";
import {
  backoffDelayMs,
  type CallContext,
  connectSpoke,
  HubError,
  type Spoke,
  type SpokeOptions,
  sleep,
} from "../sdk/index.ts";
import { type LinkLogger, McpLink, type McpTarget } from "./mcp-link.ts";
import { refusedOperation, toolOperations } from "./tool-operations.ts";

/** How the spoke reaches the hub. */
export type HubTarget = Pick<SpokeOptions, "url" | "token" | "WebSocket" | "auth" | "connectTimeoutMs">;

export interface ServerBridgeOptions {
  /** Spoke name; the tools are published as `<name>.<tool>`. */
  name: string;
  target: McpTarget;
  hub: HubTarget;
  log: LinkLogger;
  initializeTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Sent in `hub.register` as `kind`. Default `"mcp"`. */
  kind?: string;
  /** Sent in `hub.register`. Default: the hub's default (`public`). */
  visibility?: SpokeOptions["visibility"];
  /** See `McpLinkOptions.pingIntervalMs`. */
  pingIntervalMs?: number;
  /** See `McpLinkOptions.redact`. */
  redact?: (text: string) => string;
  /**
   * Called instead of retrying when the hub says another connection holds the name (`NAME_TAKEN`): the hub's
   * own upstreams then stand by while another instance holds the server.
   */
  onNameTaken?: () => void;
}

const LEVELS: ReadonlySet<string> = new Set(LOG_LEVELS);

/** A bridged MCP server; `start()` returns at once, everything after runs supervised until `close()`. */
export class ServerBridge {
  readonly name: string;
  readonly #options: ServerBridgeOptions;
  readonly #link: McpLink;
  readonly #running = new Set<CallContext>();
  #spoke: Spoke | undefined;
  /** Bumped by every tools or down event: a publish that is overtaken stops. */
  #generation = 0;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #stop = new AbortController();
  /** Operations currently registered (`<local name>` list), for status and tests. */
  #published: string[] = [];

  constructor(options: ServerBridgeOptions) {
    this.name = options.name;
    this.#options = options;
    this.#link = new McpLink({
      name: options.name,
      target: options.target,
      log: options.log,
      initializeTimeoutMs: options.initializeTimeoutMs,
      reconnect: options.reconnect,
      ...(options.pingIntervalMs === undefined ? {} : { pingIntervalMs: options.pingIntervalMs }),
      ...(options.redact === undefined ? {} : { redact: options.redact }),
      events: {
        tools: (tools, reason) => this.#enqueue(() => this.#publish(tools, reason)),
        down: () => this.#enqueue(() => this.#withdraw()),
        log: (params) => this.#serverLog(params),
      },
    });
  }

  /** Whether the MCP server is connected. */
  get serverUp(): boolean {
    return this.#link.up;
  }

  /** The stdio child's process id while it runs. */
  get serverPid(): number | undefined {
    return this.#link.pid;
  }

  /** Why the server could not be reached last time, if it could not. */
  get serverError(): string | undefined {
    return this.#link.lastError;
  }

  /** Whether the spoke is registered at the hub. */
  get registered(): boolean {
    return this.#spoke?.registration !== undefined;
  }

  /** The local operation names registered now. */
  get operations(): readonly string[] {
    return this.#published;
  }

  /** Starts the server connection (retried with backoff on failure). */
  async start(): Promise<void> {
    await this.#link.start();
  }

  /** Closes the spoke and the server connection (a stdio child is terminated). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stop.abort();
    this.#generation++;
    await this.#queue;
    await this.#spoke?.close();
    this.#spoke = undefined;
    await this.#link.close();
  }

  #enqueue(task: () => Promise<void>): void {
    const generation = ++this.#generation;
    this.#queue = this.#queue.then(() => (generation === this.#generation ? task() : undefined));
  }

  async #withdraw(): Promise<void> {
    const spoke = this.#spoke;
    this.#spoke = undefined;
    this.#published = [];
    if (spoke) {
      await spoke.close();
      this.#options.log.info("spoke withdrawn while the MCP server is away", { spoke: this.name });
    }
  }

  async #publish(tools: Tool[], reason: string): Promise<void> {
    const generation = this.#generation;
    const built = toolOperations(tools, (tool, args, ctx) => this.#call(tool, args, ctx));
    for (const { error } of built.skipped)
      this.#options.log.error("tool not offered", { spoke: this.name, error });
    const operations = built.operations;
    for (let attempt = 1; !this.#closed && generation === this.#generation; attempt++) {
      try {
        if (this.#spoke) await this.#spoke.setOperations(operations);
        else this.#spoke = await this.#connect(operations);
        this.#published = Object.keys(operations);
        this.#options.log.info("spoke registered", {
          spoke: this.name,
          reason,
          operations: this.#published.length,
        });
        return;
      } catch (error) {
        const refused = this.#refusal(error, operations);
        if (refused !== undefined) {
          this.#options.log.error("tool not offered: the hub refused it", {
            spoke: this.name,
            tool: built.renamed.get(refused) ?? refused,
            error: (error as Error).message,
          });
          delete operations[refused];
          attempt = 0;
          continue;
        }
        if (error instanceof HubError && error.code === "NAME_TAKEN" && this.#options.onNameTaken) {
          this.#options.log.info("another connection holds the spoke name", { spoke: this.name });
          this.#options.onNameTaken();
          return;
        }
        if (
          error instanceof HubError &&
          (error.code === "ACCESS_DENIED" || error.code === "VALIDATION_ERROR")
        ) {
          // Neither goes away by trying again; the next tools/list_changed or restart tries anew.
          this.#options.log.error("the hub refused the spoke", { spoke: this.name, error: error.message });
          return;
        }
        const delayMs = backoffDelayMs(attempt, {
          initialDelayMs: this.#options.reconnect?.initialDelayMs ?? 250,
          maxDelayMs: this.#options.reconnect?.maxDelayMs ?? 30_000,
          maxAttempts: Number.POSITIVE_INFINITY,
        });
        this.#options.log.warn("could not register at the hub; retrying", {
          spoke: this.name,
          error: error instanceof Error ? error.message : String(error),
          delayMs,
        });
        await sleep(delayMs, this.#stop.signal);
      }
    }
  }

  /** The operation a `VALIDATION_ERROR` from the hub names, if any. */
  #refusal(error: unknown, operations: Record<string, unknown>): string | undefined {
    if (!(error instanceof HubError) || error.code !== "VALIDATION_ERROR") return undefined;
    return refusedOperation(error.message, Object.keys(operations));
  }

  async #connect(operations: Parameters<Spoke["setOperations"]>[0]): Promise<Spoke> {
    const spoke = await connectSpoke({
      ...this.#options.hub,
      name: this.name,
      kind: this.#options.kind ?? "mcp",
      ...(this.#options.visibility ? { visibility: this.#options.visibility } : {}),
      operations,
      logger: this.#options.log,
      reconnect: this.#options.reconnect,
    });
    void spoke.closed().then((error) => {
      if (error && this.#spoke === spoke) {
        this.#options.log.error("the spoke connection ended", { spoke: this.name, error: error.message });
      }
    });
    return spoke;
  }

  async #call(tool: string, args: Record<string, unknown>, ctx: CallContext) {
    this.#running.add(ctx);
    try {
      // The server is asked for progress (a progressToken) only when the caller asked for it: otherwise its
      // notifications would cross stdio only to be dropped here.
      return await this.#link.callTool(tool, args, {
        signal: ctx.signal,
        deadline: ctx.deadline,
        ...(ctx.wantsProgress ? { onProgress: (p) => ctx.progress(p.progress, p.total, p.message) } : {}),
      });
    } finally {
      this.#running.delete(ctx);
    }
  }

  /**
   * A server log message goes to the bridge's log, and to the caller as `call.log` when exactly one call is in
   * flight (MCP does not say which request a stdio notification belongs to, so with several it is not sent on).
   */
  #serverLog(params: LoggingMessageNotification["params"]): void {
    const level = LEVELS.has(params.level) ? (params.level as CallLogLevel) : "info";
    this.#options.log.info("MCP server log", {
      server: this.name,
      level,
      ...(params.logger ? { logger: params.logger } : {}),
      data: params.data,
    });
    if (this.#running.size === 1) {
      for (const ctx of this.#running) ctx.log(level, params.data, params.logger);
    }
  }
}
