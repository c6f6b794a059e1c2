import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type LoggingLevel,
  McpError,
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
import { runMcpCall } from "./run-call.ts";
import type { RunningCalls } from "./running-calls.ts";
import { spokeTools } from "./spoke-tools.ts";

/** Which tools a session serves: the four meta-tools of `/mcp`, or one spoke's operations. */
export type McpTarget = { kind: "meta" } | { kind: "spoke"; spokeName: string };

/** What travels from the HTTP request to the tool handlers (through the SDK's `authInfo.extra`). */
export interface RequestAuth {
  identity: Identity;
  /** Aborted when the HTTP client goes away. */
  signal: AbortSignal;
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
}

const META_TOOL_NAMES = new Set(["hub.list", "hub.search", "hub.schema", "hub.call"]);

/**
 * Builds the MCP server of one session on the SDK's low-level `Server` (no zod in our code: schemas are plain
 * JSON Schema). Each request's caller comes from `authInfo`, verified per request, never from the session.
 */
export function createMcpServer(target: McpTarget, deps: McpServerDeps): Server {
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
  let logLevel: LoggingLevel | undefined;
  server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    logLevel = request.params.level;
    return {};
  });
  const wantsLog = (level: CallLogLevel) =>
    logLevel === undefined || LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(logLevel as CallLogLevel);

  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => {
    if (target.kind === "meta") return { tools: metaTools() };
    return { tools: spokeTools(deps.catalog(), authOf(extra.authInfo?.extra).identity, target.spokeName) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const auth = authOf(extra.authInfo?.extra);
    const { name } = request.params;
    let operation: string;
    if (target.kind === "meta") {
      if (!META_TOOL_NAMES.has(name))
        throw new McpError(McpErrorCode.InvalidParams, `unknown tool "${name}"`);
      operation = name;
    } else {
      operation = `${target.spokeName}.${name}`;
    }
    const progressToken = request.params._meta?.progressToken;
    try {
      return await runMcpCall(
        {
          identity: auth.identity,
          calls: deps.calls(),
          running: deps.running,
          sessionId: extra.sessionId,
          requestId: extra.requestId,
          signal: extra.signal,
          httpSignal: auth.signal,
          progressToken,
          sendNotification: (notification) => extra.sendNotification(notification as never),
          wantsLog,
        },
        { operation, input: request.params.arguments ?? {} },
      );
    } finally {
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
    throw new McpError(McpErrorCode.InternalError, "request reached the MCP server without a caller");
  return auth;
}
