import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { HubError } from "../protocol/index.ts";

const CONTENT_TYPES = new Set(["text", "image", "audio", "resource", "resource_link"]);

/** The `_meta` key under which a failed call's `{ code, message }` travels (machine-readable for any tool). */
export const ERROR_META_KEY = "alkhub/error";

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

/**
 * A tool result for a failed call: `isError`, `{ code, message }` as JSON text and under `_meta["alkhub/error"]`.
 * `structuredContent` carries it too only for tools that declare no output schema: a client checks the
 * structured content of a tool with an `outputSchema` against that schema, and an error does not match it.
 */
export function errorResult(error: HubError, toolHasOutputSchema: boolean): CallToolResult {
  const wire = { code: error.code, message: error.message };
  const result: CallToolResult = {
    isError: true,
    content: [{ type: "text", text: JSON.stringify(wire) }],
    _meta: { [ERROR_META_KEY]: wire },
  };
  if (!toolHasOutputSchema) result.structuredContent = wire;
  return result;
}
