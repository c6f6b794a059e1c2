import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Identity } from "../auth/index.ts";
import { type CallLogLevel, readTraceContext, type TraceContext } from "../protocol/index.ts";
import { type CallHandle, type CallRequest, type Calls, CollectingSink } from "../router/index.ts";
import { errorResult, outputResult } from "./results.ts";
import { RunningCalls } from "./running-calls.ts";

/** What one MCP `tools/call` brings to the hub. */
export interface McpCallContext {
  identity: Identity;
  calls: Calls;
  running: RunningCalls;
  /** Who may cancel the call by its JSON-RPC id (see `callOwner`); undefined: nobody, by id. */
  owner: string | undefined;
  /** The JSON-RPC id of the `tools/call` request. */
  requestId: string | number;
  /** Aborted by the SDK when the client sends `notifications/cancelled` on this session (the SDK path only). */
  signal: AbortSignal | undefined;
  /** Aborted when the HTTP client goes away (it dropped the POST's response stream). */
  httpSignal: AbortSignal | undefined;
  progressToken: string | number | undefined;
  sendNotification: (notification: { method: string; params: Record<string, unknown> }) => Promise<void>;
  /** Whether the session's `logging/setLevel` lets a message of `level` through. */
  wantsLog: (level: CallLogLevel) => boolean;
  /** Whether the tool declares an `outputSchema` (its error results then carry no `structuredContent`). */
  toolHasOutputSchema: boolean;
}

/**
 * The trace context a `tools/call` carries in `params._meta` (`traceparent`, `tracestate`, as the MCP
 * OpenTelemetry conventions put them); undefined when absent or malformed (ignored: the hub starts a new trace).
 */
export function metaTraceContext(meta: unknown): TraceContext | undefined {
  if (typeof meta !== "object" || meta === null) return undefined;
  const { traceparent, tracestate } = meta as { traceparent?: unknown; tracestate?: unknown };
  return traceparent === undefined ? undefined : readTraceContext(traceparent, tracestate);
}

/**
 * Runs one call for an MCP tool and turns the outcome into a `CallToolResult`: progress and log messages from
 * the spoke become notifications on the request's stream; cancellation and a dropped stream abort the call.
 */
export async function runMcpCall(ctx: McpCallContext, request: CallRequest): Promise<CallToolResult> {
  const notify = (method: string, params: Record<string, unknown>) => {
    ctx.sendNotification({ method, params }).catch(() => {
      // The client's stream is gone; the abort paths below end the call.
    });
  };
  const sink = new CollectingSink({
    onProgress:
      ctx.progressToken === undefined
        ? undefined
        : (progress, total, message) =>
            notify("notifications/progress", {
              progressToken: ctx.progressToken as string | number,
              progress,
              ...(total === undefined ? {} : { total }),
              ...(message === undefined ? {} : { message }),
            }),
    onLog: (level, data, logger) => {
      if (ctx.wantsLog(level))
        notify("notifications/message", { level, data, ...(logger ? { logger } : {}) });
    },
  });
  const handle: CallHandle = ctx.calls.call(
    { identity: ctx.identity, surface: "mcp" },
    { ...request, progress: ctx.progressToken !== undefined },
    sink,
  );
  const key = ctx.owner === undefined ? undefined : RunningCalls.key(ctx.owner, ctx.requestId);
  if (key !== undefined) ctx.running.add(key, handle);
  const onCancel = () => handle.abort("cancelled by the MCP client");
  const onDrop = () => handle.abort("the MCP client closed the stream");
  ctx.signal?.addEventListener("abort", onCancel, { once: true });
  ctx.httpSignal?.addEventListener("abort", onDrop, { once: true });
  try {
    const result = await sink.result;
    if (!result.ok) return errorResult(result.error, ctx.toolHasOutputSchema);
    return outputResult(
      result.items === undefined ? result.output : { items: result.items, truncated: result.truncated },
    );
  } finally {
    if (key !== undefined) ctx.running.remove(key, handle);
    ctx.signal?.removeEventListener("abort", onCancel);
    ctx.httpSignal?.removeEventListener("abort", onDrop);
  }
}
