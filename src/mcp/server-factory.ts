import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type LoggingLevel,
  ErrorCode as McpErrorCode,
  SetLevelRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import type { Identity } from "../auth/index.ts";
import type { Catalog } from "../catalog/index.ts";
import { type CallLogLevel, LOG_LEVELS } from "../protocol/index.ts";
import type { Calls } from "../router/index.ts";
import { BUILD_INFO } from "../version.ts";
import { metaTools } from "./meta-tools.ts";
import { invalidParams, JsonRpcError } from "./protocol-errors.ts";
import { metaTraceContext, runMcpCall } from "./run-call.ts";
import type { RunningCalls } from "./running-calls.ts";
import { spokeTool, spokeToolsPage, toolOutputSchema } from "./spoke-tools.ts";

/** Which tools a session serves: the four meta-tools of `/mcp`, or one spoke's operations. */
export type McpTarget = { kind: "meta" } | { kind: "spoke"; spokeName: string };

/** The endpoint path of a target; a session id is bound to it (`SessionIds`). */
export function targetPath(target: McpTarget): string {
  return target.kind === "meta" ? "/mcp" : `/mcp/spokes/${target.spokeName}`;
}

/** What travels from the HTTP request to the tool handlers (through the SDK's `authInfo.extra`). */
export interface RequestAuth {
  identity: Identity;
  /** Aborted when the HTTP client goes away. */
  signal: AbortSignal;
  /** Who owns the request's calls for cancellation by JSON-RPC id (undefined: not cancellable by id). */
  owner: string | undefined;
}

export interface McpServerDeps {
  calls: () => Calls;
  catalog: () => Catalog;
  running: RunningCalls;
  /**
   * One JSON Schema validator for every session's server. The SDK builds a new Ajv instance per server unless
   * given one (milliseconds of CPU per session, per stateless request); the hub never asks clients for input,
   * so the validator is never used on the call path anyway.
   */
  jsonSchemaValidator: jsonSchemaValidator;
  /** See `McpEndpointOptions.ssePollMs`. */
  ssePollMs: number;
}

const META_TOOLS = metaTools();
const META_TOOL_NAMES = new Set(META_TOOLS.map((tool) => tool.name));

/** What a session remembers between requests (kept outside the SDK server so the fast call path reads it). */
export interface SessionState {
  /** The level the client set with `logging/setLevel`; undefined: every level. */
  logLevel: LoggingLevel | undefined;
}

/** Whether a spoke's log message of `level` goes to a client that set `logLevel`. */
export function wantsLog(state: SessionState | undefined, level: CallLogLevel): boolean {
  const logLevel = state?.logLevel;
  return logLevel === undefined || LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(logLevel as CallLogLevel);
}

/** The operation a tool name of `target` runs, or -32602 when the key has no such tool. */
export function resolveTool(
  target: McpTarget,
  name: string,
  identity: Identity,
  catalog: Catalog,
): { operation: string; toolHasOutputSchema: boolean } {
  if (target.kind === "meta") {
    if (!META_TOOL_NAMES.has(name)) throw invalidParams(`unknown tool "${name}"`);
    return { operation: name, toolHasOutputSchema: false };
  }
  // A tool this key cannot call is as unknown as one that does not exist (MCP: -32602 for unknown tools).
  const found = spokeTool(catalog, identity, target.spokeName, name);
  if (!found) throw invalidParams(`unknown tool "${name}"`);
  return { operation: found.name, toolHasOutputSchema: toolOutputSchema(found) !== undefined };
}

/**
 * Builds the MCP server of one session on the SDK's low-level `Server` (no zod in our code: schemas are plain
 * JSON Schema). Each request's caller comes from `authInfo`, verified per request, never from the session.
 */
export function createMcpServer(
  target: McpTarget,
  deps: McpServerDeps,
  state: SessionState = { logLevel: undefined },
): Server {
  const server = new Server(
    { name: target.kind === "meta" ? "alkhub" : `alkhub/${target.spokeName}`, version: BUILD_INFO.version },
    {
      capabilities: { tools: { listChanged: target.kind === "spoke" }, logging: {} },
      jsonSchemaValidator: deps.jsonSchemaValidator,
      instructions:
        target.kind === "meta"
          ? "This hub relays calls to operations offered by connected machines (spokes). Find operations with hub.search or hub.list, read their input schema with hub.schema, then run them with hub.call."
          : `The tools of spoke "${target.spokeName}", relayed by an alkhub hub.`,
    },
  );
  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    state.logLevel = request.params.level;
    return {};
  });

  server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    if (target.kind === "meta") return { tools: META_TOOLS };
    const identity = authOf(extra.authInfo?.extra).identity;
    return spokeToolsPage(deps.catalog(), identity, target.spokeName, request.params?.cursor);
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const auth = authOf(extra.authInfo?.extra);
    const { operation, toolHasOutputSchema } = resolveTool(
      target,
      request.params.name,
      auth.identity,
      deps.catalog(),
    );
    const progressToken = request.params._meta?.progressToken;
    // The SDK offers `closeSSEStream` only when the client can resume the stream (an event store, 2025-11-25+).
    const poll =
      deps.ssePollMs > 0 && extra.closeSSEStream
        ? setTimeout(extra.closeSSEStream, deps.ssePollMs)
        : undefined;
    try {
      return await runMcpCall(
        {
          identity: auth.identity,
          calls: deps.calls(),
          running: deps.running,
          owner: auth.owner,
          requestId: extra.requestId,
          signal: extra.signal,
          httpSignal: auth.signal,
          progressToken,
          sendNotification: (notification) => extra.sendNotification(notification as never),
          wantsLog: (level) => wantsLog(state, level),
          toolHasOutputSchema,
        },
        {
          operation,
          input: request.params.arguments ?? {},
          trace: metaTraceContext(request.params._meta),
        },
      );
    } finally {
      clearTimeout(poll);
      // The SDK sends no answer to a cancelled request, so its POST stream would stay open (on both sides)
      // until the session ends: close it.
      if (extra.signal.aborted) closeRequestStream(server, extra.requestId);
    }
  });
  return server;
}

function closeRequestStream(server: Server, requestId: string | number): void {
  const transport = server.transport;
  if (transport instanceof WebStandardStreamableHTTPServerTransport) transport.closeSSEStream(requestId);
}

function authOf(extra: unknown): RequestAuth {
  const auth = (extra as { alkhub?: RequestAuth } | undefined)?.alkhub;
  if (!auth)
    throw new JsonRpcError(McpErrorCode.InternalError, "request reached the MCP server without a caller");
  return auth;
}
