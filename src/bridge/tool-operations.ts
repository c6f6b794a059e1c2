/**
 * MCP tools as spoke operations: one operation per tool, named by `operationNameOf`, with the tool's input and
 * output schemas, title, description and annotations. The handler relays the call to the MCP server and returns
 * its `CallToolResult` unchanged (content, `structuredContent`, `isError`), which the hub passes through to MCP
 * clients as it is (MCP.md › content fidelity).
 */

import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { TSchema } from "@sinclair/typebox";
import type { OperationAnnotations } from "../protocol/index.ts";
import type { AnyOperationDef, CallContext } from "../sdk/index.ts";
import { operationNameOf } from "./names.ts";

/** Largest schema the hub accepts by default (`limits.maxSchemaBytes`), checked before registering. */
export const DEFAULT_MAX_SCHEMA_BYTES = 65_536;
const MAX_DESCRIPTION_CHARS = 4096;
const MAX_TITLE_CHARS = 256;

/** Relays one tool call; what an `McpLink` offers. */
export type ToolCaller = (
  tool: string,
  args: Record<string, unknown>,
  ctx: CallContext,
) => Promise<CallToolResult>;

/** A tool left out, and why (the message names the tool). */
export interface SkippedTool {
  tool: string;
  error: string;
}

/** The operations of a tool list, plus the tools that cannot be offered. */
export interface ToolOperations {
  operations: Record<string, AnyOperationDef>;
  /** Operation name → tool name, for the tools that were renamed. */
  renamed: Map<string, string>;
  skipped: SkippedTool[];
}

/** Builds one operation per usable tool; tools with unusable names or schemas are listed in `skipped`. */
export function toolOperations(
  tools: readonly Tool[],
  call: ToolCaller,
  maxSchemaBytes = DEFAULT_MAX_SCHEMA_BYTES,
): ToolOperations {
  const operations: Record<string, AnyOperationDef> = {};
  const renamed = new Map<string, string>();
  const skipped: SkippedTool[] = [];
  for (const tool of tools) {
    const mapped = operationNameOf(tool.name);
    if (!mapped.ok) {
      skipped.push({ tool: tool.name, error: mapped.error });
      continue;
    }
    const name = mapped.name;
    if (operations[name] !== undefined) {
      skipped.push({
        tool: tool.name,
        error: `tool ${JSON.stringify(tool.name)} maps to "${name}", which another tool has`,
      });
      continue;
    }
    const problem = schemaProblem(tool, maxSchemaBytes);
    if (problem !== undefined) {
      skipped.push({ tool: tool.name, error: problem });
      continue;
    }
    if (name !== tool.name) renamed.set(name, tool.name);
    operations[name] = toolOperation(tool, call);
  }
  return { operations, renamed, skipped };
}

function toolOperation(tool: Tool, call: ToolCaller): AnyOperationDef {
  const hints = tool.annotations ?? {};
  const annotations: OperationAnnotations = {};
  if (typeof hints.readOnlyHint === "boolean") annotations.readOnly = hints.readOnlyHint;
  if (typeof hints.destructiveHint === "boolean") annotations.destructive = hints.destructiveHint;
  if (typeof hints.idempotentHint === "boolean") annotations.idempotent = hints.idempotentHint;
  if (typeof hints.openWorldHint === "boolean") annotations.openWorld = hints.openWorldHint;
  const title = tool.title ?? hints.title;
  const name = tool.name;
  return {
    type: hints.readOnlyHint === true ? "query" : "mutation",
    description: (tool.description ?? "").slice(0, MAX_DESCRIPTION_CHARS),
    ...(typeof title === "string" ? { title: title.slice(0, MAX_TITLE_CHARS) } : {}),
    tags: ["mcp"],
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    input: tool.inputSchema as unknown as TSchema,
    ...(tool.outputSchema ? { output: tool.outputSchema as unknown as TSchema } : {}),
    handler: (input: Record<string, unknown> | undefined, ctx: CallContext) => call(name, input ?? {}, ctx),
  };
}

/** Why the hub could not take this tool's schemas, naming the tool; `undefined` when they look usable. */
function schemaProblem(tool: Tool, maxSchemaBytes: number): string | undefined {
  for (const [field, schema] of [
    ["inputSchema", tool.inputSchema],
    ["outputSchema", tool.outputSchema],
  ] as const) {
    if (schema === undefined) continue;
    if (typeof schema !== "object" || schema === null || schema.type !== "object") {
      return `tool ${JSON.stringify(tool.name)}: ${field} must be a JSON Schema of type "object"`;
    }
    let bytes: number;
    try {
      bytes = new TextEncoder().encode(JSON.stringify(schema)).length;
    } catch {
      return `tool ${JSON.stringify(tool.name)}: ${field} is not serialisable JSON`;
    }
    if (bytes > maxSchemaBytes) {
      return `tool ${JSON.stringify(tool.name)}: ${field} is ${bytes} bytes; the hub accepts at most ${maxSchemaBytes}`;
    }
  }
  return undefined;
}

/**
 * The operation a hub's registration refusal names (`operation "x": …` or `input.operations[3]…`), so that one
 * bad tool can be left out instead of the whole server; `undefined` when it names none.
 */
export function refusedOperation(message: string, names: readonly string[]): string | undefined {
  const byName = /operation "([^"]+)"/.exec(message)?.[1];
  if (byName !== undefined && names.includes(byName)) return byName;
  const index = /input\.operations\[(\d+)\]/.exec(message)?.[1];
  if (index !== undefined) return names[Number(index)];
  return names.find((name) => message.includes(`"${name}"`));
}
