import type { Identity } from "../../auth/index.ts";
import type { Logger } from "../../log/index.ts";
import type { JsonRpcError } from "../protocol-errors.ts";
import {
  type McpServerDeps,
  type McpTarget,
  META_TOOLS,
  serverInfo,
  serverInstructions,
} from "../server-factory.ts";
import { spokeToolsPage } from "../spoke-tools.ts";
import { serveNextCall, taskCallKey } from "./call.ts";
import { ListenStreams } from "./listen.ts";
import { checkRoutingHeaders } from "./routing-headers.ts";
import {
  DEFAULT_TASK_TTL_MS,
  TASK_POLL_INTERVAL_MS,
  type TaskBuffer,
  type TaskRecord,
} from "./task-buffer.ts";
import {
  ALL_PROTOCOL_VERSIONS,
  declaresExtension,
  errorAnswer,
  INVALID_PARAMS,
  META_SERVER_INFO,
  METHOD_NOT_FOUND,
  MISSING_CLIENT_CAPABILITY,
  type NextRequest,
  resultAnswer,
  TASKS_EXTENSION,
  validateNextRequest,
} from "./wire.ts";

/**
 * How long a client may reuse a `server/discover` or `/mcp` `tools/list` answer (SEP-2549): both are the same for
 * every caller and change only with a new hub version.
 */
const STATIC_TTL_MS = 10 * 60_000;

export interface NextWireOptions {
  deps: McpServerDeps;
  tasks: TaskBuffer;
  /** Passes the cancellation of a task's call to the other instances (it may run on any of them). */
  cancelElsewhere: (key: string) => void;
  log: Logger;
}

/**
 * The 2026-07-28 revision of `/mcp` and `/mcp/spokes/<name>` (docs/mcp.md › The 2026-07-28 revision): stateless
 * requests, each with its own `_meta`, answered on whatever instance they reach. `server/discover`, `tools/list`
 * (with caching hints), `tools/call` (a long one becomes a task for clients that declared the tasks extension),
 * `subscriptions/listen`, and `tasks/get` / `tasks/cancel` / `tasks/update` over the shared task buffer. Every
 * other method — including `initialize`, `ping` and `logging/setLevel`, which the revision removed — is 404.
 */
export class NextWire {
  readonly #options: NextWireOptions;
  readonly #listen = new ListenStreams();

  constructor(options: NextWireOptions) {
    this.#options = options;
  }

  async serve(request: Request, body: unknown, identity: Identity, target: McpTarget): Promise<Response> {
    const message = body as { id?: unknown; method?: unknown };
    if (
      message.id === undefined &&
      typeof message.method === "string" &&
      message.method.startsWith("notifications/")
    ) {
      // Cancellations were already passed on by the endpoint; other notifications need nothing.
      return new Response(null, { status: 202 });
    }
    const next = validateNextRequest(request, body);
    if (next instanceof Response) return next;
    const refused = checkRoutingHeaders(request, next);
    if (refused) return refused;
    switch (next.method) {
      case "server/discover":
        return resultAnswer(next.id, this.#discover(target));
      case "tools/list":
        return this.#toolsList(next, identity, target);
      case "tools/call":
        return serveNextCall(next, {
          request,
          identity,
          target,
          deps: this.#options.deps,
          tasks: declaresExtension(next.meta, TASKS_EXTENSION) ? this.#options.tasks : undefined,
        });
      case "subscriptions/listen":
        return this.#listen.open(next, identity.keyId, target, request.signal);
      case "tasks/get":
      case "tasks/cancel":
      case "tasks/update":
        return this.#task(next, identity);
      default:
        return errorAnswer(next.id, 404, METHOD_NOT_FOUND, `Method not found: ${next.method.slice(0, 64)}`);
    }
  }

  /** The tools of `spokeName` changed: listen streams that asked hear `notifications/tools/list_changed`. */
  toolsChanged(spokeName: string): void {
    this.#listen.toolsChanged(spokeName);
  }

  /** Ends every listen stream (the hub is stopping). */
  close(): void {
    this.#listen.closeAll();
  }

  #discover(target: McpTarget): Record<string, unknown> {
    return {
      resultType: "complete",
      supportedVersions: ALL_PROTOCOL_VERSIONS,
      capabilities: {
        tools: { listChanged: target.kind === "spoke" },
        logging: {},
        extensions: { [TASKS_EXTENSION]: {} },
      },
      instructions: serverInstructions(target),
      ttlMs: STATIC_TTL_MS,
      cacheScope: "public",
      _meta: { [META_SERVER_INFO]: serverInfo(target) },
    };
  }

  #toolsList(next: NextRequest, identity: Identity, target: McpTarget): Response {
    if (target.kind === "meta") {
      return resultAnswer(next.id, {
        tools: META_TOOLS,
        resultType: "complete",
        ttlMs: STATIC_TTL_MS,
        cacheScope: "public",
      });
    }
    const cursor = next.params.cursor;
    if (cursor !== undefined && typeof cursor !== "string") {
      return errorAnswer(next.id, 200, INVALID_PARAMS, "Invalid params: params.cursor must be a string");
    }
    try {
      const page = spokeToolsPage(this.#options.deps.catalog(), identity, target.spokeName, cursor);
      // What a key may call differs per key, and the list changes whenever the spoke re-registers (listen
      // streams hear of it): private and not to be reused without asking again.
      return resultAnswer(next.id, { ...page, resultType: "complete", ttlMs: 0, cacheScope: "private" });
    } catch (error) {
      const { code, message } = error as JsonRpcError;
      return errorAnswer(next.id, 200, code, message);
    }
  }

  /** `tasks/get`, `tasks/cancel`, `tasks/update`: only for requests that declare the tasks extension. */
  async #task(next: NextRequest, identity: Identity): Promise<Response> {
    if (!declaresExtension(next.meta, TASKS_EXTENSION)) {
      return errorAnswer(
        next.id,
        400,
        MISSING_CLIENT_CAPABILITY,
        `Missing required client capability: ${next.method} needs the ${TASKS_EXTENSION} extension`,
        { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      );
    }
    const taskId = next.params.taskId;
    if (typeof taskId !== "string" || taskId.length === 0 || taskId.length > 128) {
      return errorAnswer(next.id, 200, INVALID_PARAMS, "Invalid params: params.taskId must be a task id");
    }
    const { tasks } = this.#options;
    try {
      if (next.method === "tasks/cancel") {
        const task = await tasks.cancel(taskId, identity.keyId);
        if (!task) return unknownTask(next, taskId);
        if (task.status === "working") this.#cancelCall(taskId);
        return resultAnswer(next.id, { resultType: "complete" });
      }
      const task = await tasks.get(taskId, identity.keyId);
      if (!task) return unknownTask(next, taskId);
      if (next.method === "tasks/update") {
        return errorAnswer(
          next.id,
          200,
          INVALID_PARAMS,
          `Invalid params: task "${taskId}" is not waiting for input`,
        );
      }
      return resultAnswer(next.id, detailedTask(task));
    } catch (error) {
      this.#options.log.warn("could not reach the task buffer", { error, method: next.method });
      return errorAnswer(next.id, 503, -32603, "Internal error: the task store is unavailable; retry later");
    }
  }

  #cancelCall(taskId: string): void {
    const key = taskCallKey(taskId);
    if (this.#options.deps.running.cancel(key, "task cancelled by the MCP client")) return;
    this.#options.cancelElsewhere(key);
  }
}

function unknownTask(next: NextRequest, taskId: string): Response {
  return errorAnswer(next.id, 200, INVALID_PARAMS, `Invalid params: unknown task "${taskId.slice(0, 64)}"`);
}

/** A task as `tasks/get` answers it (SEP-2663 `DetailedTask`): the result or error inlined once it settled. */
function detailedTask(task: TaskRecord): Record<string, unknown> {
  return {
    resultType: "complete",
    taskId: task.id,
    status: task.status,
    createdAt: task.createdAt.toISOString(),
    lastUpdatedAt: task.updatedAt.toISOString(),
    ttlMs: DEFAULT_TASK_TTL_MS,
    pollIntervalMs: TASK_POLL_INTERVAL_MS,
    ...(task.status === "completed" ? { result: task.result } : {}),
    ...(task.status === "failed" && task.error ? { error: task.error } : {}),
  };
}
