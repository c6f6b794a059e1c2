import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { HubError } from "../protocol/index.ts";

const CONTENT_TYPES = new Set(["text", "image", "audio", "resource", "resource_link"]);

/**
 * Whether a spoke's output already is an MCP `CallToolResult` (a `content` array of MCP content items); such
 * output is passed through unchanged, so spokes can wrap existing MCP tools (MCP.md › content fidelity).
 */
export function isCallToolResult(output: unknown): output is CallToolResult {
  if (typeof output !== "object" || output === null || Array.isArray(output)) return false;
  const content = (output as { content?: unknown }).content;
  return (
    Array.isArray(content) &&
    content.every(
      (item) =>
        typeof item === "object" &&
        item !== null &&
        CONTENT_TYPES.has((item as { type?: unknown }).type as string),
    )
  );
}

/** A tool result for an operation's output: `structuredContent` plus the same JSON as a text block. */
export function outputResult(output: unknown): CallToolResult {
  if (isCallToolResult(output)) return output;
  const structured =
    typeof output === "object" && output !== null && !Array.isArray(output)
      ? (output as Record<string, unknown>)
      : { result: output ?? null };
  return { content: [{ type: "text", text: JSON.stringify(output ?? null) }], structuredContent: structured };
}

/** A tool result for a failed call: `isError` with `{ code, message }`. */
export function errorResult(error: HubError): CallToolResult {
  const wire = { code: error.code, message: error.message };
  return { isError: true, content: [{ type: "text", text: JSON.stringify(wire) }], structuredContent: wire };
}
