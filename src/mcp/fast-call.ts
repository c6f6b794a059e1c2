import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import type { Identity } from "../auth/index.ts";
import type { JsonRpcError } from "./protocol-errors.ts";
import { metaTraceContext, runMcpCall } from "./run-call.ts";
import {
  type McpServerDeps,
  type McpTarget,
  resolveTool,
  type SessionState,
  wantsLog,
} from "./server-factory.ts";

const SUPPORTED_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS);
const JSON_HEADERS = { "content-type": "application/json" } as const;
const encoder = new TextEncoder();
/** A fast call still running after this long is answered as an event stream (headers out, keep-alives flow). */
export const JSON_ANSWER_WINDOW_MS = 250;
const KEEP_ALIVE_MS = 15_000;
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");

/** A `tools/call` request the fast path may answer (see `fastCallRequest`). */
export interface FastCallRequest {
  id: string | number;
  name: string;
  arguments: Record<string, unknown>;
  /** `params._meta` (trace context, never a progress token: those take the SDK path). */
  meta: unknown;
}

/**
 * The `tools/call` of a POST that the hub answers without the SDK (the hot path: no SDK server or transport,
 * no per-request copies of headers, no zod parse). Only a lone, well-formed call without a progress token,
 * with the headers the transport requires; anything else — progress, batches, bad headers, other methods — is
 * left to the SDK, which answers it in full (including its errors).
 */
export function fastCallRequest(request: Request, body: unknown): FastCallRequest | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const message = body as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  if (message.method !== "tools/call" || message.jsonrpc !== "2.0") return undefined;
  const { id } = message;
  if (typeof id !== "string" && (typeof id !== "number" || !Number.isInteger(id))) return undefined;
  const params = message.params as { name?: unknown; arguments?: unknown; _meta?: unknown } | undefined;
  if (typeof params !== "object" || params === null || typeof params.name !== "string") return undefined;
  const args = params.arguments;
  if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args)))
    return undefined;
  const meta = params._meta as { progressToken?: unknown } | undefined;
  if (meta !== undefined && (typeof meta !== "object" || meta === null || meta.progressToken !== undefined))
    return undefined;
  const { headers } = request;
  const accept = headers.get("accept");
  if (!accept?.includes("application/json") || !accept.includes("text/event-stream")) return undefined;
  if (!headers.get("content-type")?.startsWith("application/json")) return undefined;
  const version = headers.get("mcp-protocol-version");
  if (version !== null && !SUPPORTED_VERSIONS.has(version)) return undefined;
  return {
    id,
    name: params.name,
    arguments: (args as Record<string, unknown> | undefined) ?? {},
    meta: params._meta,
  };
}

/** Who makes a fast call and in which session (none for a stateless request). */
export interface FastCallContext {
  identity: Identity;
  target: McpTarget;
  sessionId: string | undefined;
  /** Who may cancel the call by its JSON-RPC id (see endpoint.ts `callOwner`). */
  owner: string | undefined;
  state: SessionState | undefined;
  /** Aborted when the HTTP client goes away. */
  httpSignal: AbortSignal;
  deps: McpServerDeps;
}

/**
 * Runs a fast `tools/call`. The answer is plain JSON when the call finishes within `JSON_ANSWER_WINDOW_MS` before
 * it has anything else to say (the common case: no stream needed); when the spoke logs first, or the call runs
 * longer, the answer becomes an event stream carrying the log messages and then the result.
 */
export async function serveFastCall(call: FastCallRequest, ctx: FastCallContext): Promise<Response> {
  const extraHeaders = ctx.sessionId === undefined ? undefined : { "mcp-session-id": ctx.sessionId };
  let resolved: ReturnType<typeof resolveTool>;
  try {
    resolved = resolveTool(ctx.target, call.name, ctx.identity, ctx.deps.catalog());
  } catch (error) {
    const { code, message } = error as JsonRpcError;
    return jsonAnswer(
      `{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"error":${JSON.stringify({ code, message })}}`,
      extraHeaders,
    );
  }
  let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let decided = false;
  const streamed = Promise.withResolvers<Response>();
  /** From here on the answer is an event stream (something to say before the result, or a long call). */
  const openStream = () => {
    if (decided) return;
    decided = true;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        stream = controller;
        // Bun sends the headers with the first chunk (PITFALLS.md §2).
        controller.enqueue(encoder.encode(": open\n\n"));
        keepAlive = setInterval(() => enqueueBytes(controller, KEEP_ALIVE), KEEP_ALIVE_MS);
      },
      cancel() {
        clearInterval(keepAlive);
      },
    });
    streamed.resolve(
      new Response(body, {
        status: 200,
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache", ...extraHeaders },
      }),
    );
  };
  const jsonWindow = setTimeout(openStream, JSON_ANSWER_WINDOW_MS);
  const outcome = runMcpCall(
    {
      identity: ctx.identity,
      calls: ctx.deps.calls(),
      running: ctx.deps.running,
      owner: ctx.owner,
      requestId: call.id,
      signal: undefined,
      httpSignal: ctx.httpSignal,
      progressToken: undefined,
      sendNotification: async (notification) => {
        openStream();
        if (stream) enqueue(stream, sseEvent(JSON.stringify({ jsonrpc: "2.0", ...notification })));
      },
      wantsLog: (level) => wantsLog(ctx.state, level),
      toolHasOutputSchema: resolved.toolHasOutputSchema,
    },
    { operation: resolved.operation, input: call.arguments, trace: metaTraceContext(call.meta) },
  ).then(
    (result) => settle(`"result":${JSON.stringify(result)}`),
    (error: unknown) =>
      settle(
        `"error":${JSON.stringify({ code: -32603, message: `Internal error: ${(error as Error).message}` })}`,
      ),
  );
  /** Answers with the call's outcome: as JSON if nothing was streamed yet, else as the stream's last event. */
  function settle(member: string): Response | undefined {
    clearTimeout(jsonWindow);
    const answer = `{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},${member}}`;
    if (!decided) {
      decided = true;
      return jsonAnswer(answer, extraHeaders);
    }
    clearInterval(keepAlive);
    if (stream) {
      enqueue(stream, sseEvent(answer));
      try {
        stream.close();
      } catch {
        // The client dropped the stream already.
      }
    }
    return undefined;
  }
  const first = await Promise.race([outcome, streamed.promise]);
  return first ?? (await streamed.promise);
}

/** Enqueues an event unless the client has dropped the stream (the call is aborted then; see run-call.ts). */
function enqueue(stream: ReadableStreamDefaultController<Uint8Array>, event: string): void {
  enqueueBytes(stream, encoder.encode(event));
}

function enqueueBytes(stream: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array): void {
  try {
    stream.enqueue(bytes);
  } catch {
    // Closed or cancelled.
  }
}

function sseEvent(data: string): string {
  return `event: message\ndata: ${data}\n\n`;
}

function jsonAnswer(text: string, extraHeaders: Record<string, string> | undefined): Response {
  return new Response(text, {
    status: 200,
    headers: extraHeaders ? { ...JSON_HEADERS, ...extraHeaders } : JSON_HEADERS,
  });
}
