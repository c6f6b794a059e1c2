import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Identity } from "../../auth/index.ts";
import { type CallLogLevel, LOG_LEVELS } from "../../protocol/index.ts";
import { JSON_ANSWER_WINDOW_MS } from "../fast-call.ts";
import type { JsonRpcError } from "../protocol-errors.ts";
import { ERROR_META_KEY } from "../results.ts";
import { runMcpCall } from "../run-call.ts";
import { RunningCalls } from "../running-calls.ts";
import type { McpServerDeps, McpTarget } from "../server-factory.ts";
import { resolveTool } from "../server-factory.ts";
import { spokeTool } from "../spoke-tools.ts";
import { checkParamHeaders } from "./routing-headers.ts";
import { EventStreamAnswer } from "./stream-answer.ts";
import { DEFAULT_TASK_TTL_MS, type NewTask, TASK_POLL_INTERVAL_MS, type TaskBuffer } from "./task-buffer.ts";
import { errorAnswer, INVALID_PARAMS, META_LOG_LEVEL, type NextRequest, resultAnswer } from "./wire.ts";

/** Who makes a `tools/call` of the 2026-07-28 wire, and whether it may become a task. */
export interface NextCallContext {
  request: Request;
  identity: Identity;
  target: McpTarget;
  deps: McpServerDeps;
  /** The task buffer when the client declared the tasks extension on this request; else undefined. */
  tasks: TaskBuffer | undefined;
}

/** The owner under which task calls are registered in `RunningCalls` (see `taskCallKey`). */
const TASK_CALL_OWNER = "mcp-task";

/** The `RunningCalls` key of the call behind task `taskId`. */
export function taskCallKey(taskId: string): string {
  return RunningCalls.key(TASK_CALL_OWNER, taskId);
}

/**
 * Hub error codes that mean the call could not run to its end (the spoke's handler crashed, the spoke went away,
 * the deadline passed): a task with one of these `failed` (SEP-2663 protocol-level error). Any other code — a
 * spoke's own domain code, invalid input — is the tool reporting an error: the task `completed` with `isError`.
 */
const FAILED_CODES = new Set([
  // Aborted without a tasks/cancel (that one leaves the task cancelled): the hub stopped, or the key was revoked.
  "ABORTED",
  "EXECUTION_ERROR",
  "TIMEOUT",
  "SPOKE_UNAVAILABLE",
  "SPOKE_DISCONNECTED",
  "SPOKE_BUSY",
  "UNAVAILABLE",
  "UNKNOWN_ERROR",
  "RATE_LIMITED",
]);

/**
 * Runs a `tools/call` of the 2026-07-28 wire. Answers JSON when it finishes within `JSON_ANSWER_WINDOW_MS`;
 * otherwise a task (when the client declared the tasks extension and the key has room: `CreateTaskResult`, and
 * the call goes on detached from the HTTP request, its outcome kept in the task buffer) or an event stream with
 * the call's progress and log notifications and then its result. Log messages flow only when the request's
 * `_meta` names a log level; progress only with a `progressToken`.
 */
export async function serveNextCall(next: NextRequest, ctx: NextCallContext): Promise<Response> {
  const prepared = prepareCall(next, ctx);
  if (prepared instanceof Response) return prepared;
  const { resolved, args } = prepared;
  const progressToken = (next.meta as { progressToken?: unknown }).progressToken;
  const logLevel = next.meta[META_LOG_LEVEL];
  const taskId = ctx.tasks ? crypto.randomUUID() : undefined;
  // The call outlives the HTTP request once it is a task: only a drop before then aborts it.
  const drop = new AbortController();
  const onHttpAbort = () => drop.abort();
  ctx.request.signal.addEventListener("abort", onHttpAbort, { once: true });
  const stream = new EventStreamAnswer();
  /** The call's id in the call audit (`calls.request_id`), recorded with its task. */
  let callId: string | undefined;
  const outcome = runMcpCall(
    {
      identity: ctx.identity,
      calls: ctx.deps.calls(),
      running: ctx.deps.running,
      // A task's call is cancelled by its task id (`tasks/cancel`, from any instance); a plain call by dropping
      // its HTTP request.
      owner: taskId === undefined ? undefined : TASK_CALL_OWNER,
      requestId: taskId ?? next.id,
      signal: undefined,
      httpSignal: drop.signal,
      progressToken:
        typeof progressToken === "string" || typeof progressToken === "number" ? progressToken : undefined,
      sendNotification: async (notification) => stream.notify({ jsonrpc: "2.0", ...notification }),
      wantsLog: (level) => wantsLevel(logLevel, level),
      toolHasOutputSchema: resolved.toolHasOutputSchema,
      onHandle: (handle) => {
        callId = handle.hubId;
      },
    },
    { operation: resolved.operation, input: args },
  ).then(
    (result) => ({ ok: true as const, result }),
    (error: unknown) => ({ ok: false as const, message: (error as Error).message }),
  );
  const windowEnd = Promise.withResolvers<"window">();
  const timer = setTimeout(() => windowEnd.resolve("window"), JSON_ANSWER_WINDOW_MS);
  const first = await Promise.race([outcome, windowEnd.promise, stream.opened]);
  clearTimeout(timer);
  const settleHttp = () => ctx.request.signal.removeEventListener("abort", onHttpAbort);
  if (first !== "window" && first !== "stream") {
    settleHttp();
    return answerOf(next.id, first);
  }
  if (first === "window" && ctx.tasks && taskId !== undefined && !stream.isOpen) {
    const task = await createTask(ctx.tasks, {
      id: taskId,
      keyId: ctx.identity.keyId,
      operation: resolved.operation,
      callRequestId: callId,
    });
    if (task) {
      settleHttp();
      void outcome.then((settled) => settleTask(ctx.tasks as TaskBuffer, taskId, settled));
      return resultAnswer(next.id, task);
    }
  }
  const response = stream.open();
  void outcome.then((settled) => {
    settleHttp();
    stream.finish(answerText(next.id, settled));
  });
  return response;
}

/**
 * The tool a call names and its arguments, or the error answer: bad params, an unknown tool (-32602), or
 * `Mcp-Param-*` headers that do not match the arguments (-32020).
 */
function prepareCall(
  next: NextRequest,
  ctx: NextCallContext,
): { resolved: ReturnType<typeof resolveTool>; args: Record<string, unknown> } | Response {
  const { name, arguments: rawArgs } = next.params as { name?: unknown; arguments?: unknown };
  if (typeof name !== "string")
    return errorAnswer(next.id, 200, INVALID_PARAMS, "Invalid params: params.name must be a string");
  if (rawArgs !== undefined && (typeof rawArgs !== "object" || rawArgs === null || Array.isArray(rawArgs))) {
    return errorAnswer(next.id, 200, INVALID_PARAMS, "Invalid params: params.arguments must be an object");
  }
  const args = (rawArgs as Record<string, unknown> | undefined) ?? {};
  let resolved: ReturnType<typeof resolveTool>;
  try {
    resolved = resolveTool(ctx.target, name, ctx.identity, ctx.deps.catalog());
  } catch (error) {
    const { code, message } = error as JsonRpcError;
    return errorAnswer(next.id, 200, code, message);
  }
  if (ctx.target.kind === "spoke") {
    const tool = spokeTool(ctx.deps.catalog(), ctx.identity, ctx.target.spokeName, name);
    const refused = checkParamHeaders(ctx.request, next, tool?.spec.inputSchema, args);
    if (refused) return refused;
  }
  return { resolved, args };
}

type Settled = { ok: true; result: CallToolResult } | { ok: false; message: string };

function answerText(id: string | number, settled: Settled): string {
  if (!settled.ok) {
    return JSON.stringify({
      jsonrpc: "2.0",
      id,
      error: { code: -32603, message: `Internal error: ${settled.message}` },
    });
  }
  return JSON.stringify({ jsonrpc: "2.0", id, result: { ...settled.result, resultType: "complete" } });
}

function answerOf(id: string | number, settled: Settled): Response {
  return new Response(answerText(id, settled), {
    status: 200,
    headers: { "content-type": "application/json" },
  });
}

/** The task's `CreateTaskResult`, once its row is written; undefined when the store refused (the call streams). */
async function createTask(tasks: TaskBuffer, task: NewTask): Promise<Record<string, unknown> | undefined> {
  try {
    if (!(await tasks.hasRoom(task.keyId))) return undefined;
    const created = await tasks.create(task, DEFAULT_TASK_TTL_MS);
    return {
      resultType: "task",
      taskId: task.id,
      status: "working",
      createdAt: created.createdAt.toISOString(),
      lastUpdatedAt: created.updatedAt.toISOString(),
      ttlMs: DEFAULT_TASK_TTL_MS,
      pollIntervalMs: TASK_POLL_INTERVAL_MS,
    };
  } catch {
    return undefined;
  }
}

async function settleTask(tasks: TaskBuffer, taskId: string, settled: Settled): Promise<void> {
  try {
    if (!settled.ok) {
      await tasks.settle(taskId, { status: "failed", error: { code: -32603, message: settled.message } });
      return;
    }
    const error = settled.result.isError
      ? (settled.result._meta?.[ERROR_META_KEY] as { code?: string; message?: string } | undefined)
      : undefined;
    if (error?.code !== undefined && FAILED_CODES.has(error.code)) {
      await tasks.settle(taskId, {
        status: "failed",
        error: { code: -32603, message: `${error.code}: ${error.message ?? ""}`, data: { code: error.code } },
      });
      return;
    }
    await tasks.settle(taskId, { status: "completed", result: settled.result });
  } catch {
    // The store is away: the task stays working until it expires; the call itself is in the call audit.
  }
}

/** Whether a log message of `level` goes to a request whose `_meta` asked for `requested` (none: nothing). */
function wantsLevel(requested: unknown, level: CallLogLevel): boolean {
  if (typeof requested !== "string") return false;
  const floor = LOG_LEVELS.indexOf(requested as CallLogLevel);
  return floor !== -1 && LOG_LEVELS.indexOf(level) >= floor;
}
