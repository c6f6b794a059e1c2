/**
 * MCP servers as spokes (docs/upstreams.md): the `alkhub bridge` process (stdio or Streamable HTTP servers,
 * one spoke each) and the pieces the hub's own upstreams reuse (the supervised MCP link, tool → operation
 * mapping, names).
 */
export { type RunningBridge, startBridge } from "./bridge.ts";
export { type BridgeConfig, type BridgedServer, type BridgePlan, loadBridgeConfig } from "./config.ts";
export { readableByOthers, readEnvFile, readHeaderFile, readKeyFile } from "./files.ts";
export {
  DEFAULT_INITIALIZE_TIMEOUT_MS,
  type LinkLogger,
  McpConnectError,
  McpLink,
  type McpLinkEvents,
  type McpLinkOptions,
  type McpTarget,
} from "./mcp-link.ts";
export { ENCODED_PREFIX, operationNameOf, toolNameOf } from "./names.ts";
export { type HubTarget, ServerBridge, type ServerBridgeOptions } from "./server-bridge.ts";
export {
  DEFAULT_MAX_SCHEMA_BYTES,
  type SkippedTool,
  type ToolOperations,
  toolOperations,
} from "./tool-operations.ts";
