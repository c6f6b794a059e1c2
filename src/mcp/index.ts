export {
  DEFAULT_SESSION_IDLE_MS,
  MCP_CHANNEL,
  McpEndpoint,
  type McpEndpointOptions,
  type McpRequest,
} from "./endpoint.ts";
export { errorResult, isCallToolResult, outputResult } from "./results.ts";
export type { McpTarget } from "./server-factory.ts";
export { SessionIds } from "./session-id.ts";
