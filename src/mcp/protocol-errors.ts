import { ErrorCode } from "@modelcontextprotocol/sdk/types.js";

/**
 * A JSON-RPC error for a request handler to throw. The SDK answers a thrown error with its `code` and `message`
 * as they are; `McpError` would put "MCP error -32602: " into the message, and the client's `McpError` adds it
 * again ("MCP error -32602: MCP error -32602: unknown tool").
 */
export class JsonRpcError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** `-32602 Invalid params`: an unknown tool, a bad cursor. */
export function invalidParams(message: string): JsonRpcError {
  return new JsonRpcError(ErrorCode.InvalidParams, message);
}
