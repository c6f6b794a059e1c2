import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Identity } from "../auth/index.ts";
import type { Catalog, CatalogOperation } from "../catalog/index.ts";

const EMPTY_OBJECT_SCHEMA: Tool["inputSchema"] = { type: "object", properties: {} };

/** An operation's JSON Schema, if it describes an object (MCP requires object schemas for tools). */
function objectSchema(schema: unknown): Tool["inputSchema"] | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  return (schema as { type?: unknown }).type === "object" ? (schema as Tool["inputSchema"]) : undefined;
}

/** One operation as a direct tool, named by its local name. */
function toTool(operation: CatalogOperation): Tool {
  const { spec } = operation;
  const tool: Tool = {
    name: operation.localName,
    description: spec.description,
    inputSchema: objectSchema(spec.inputSchema) ?? EMPTY_OBJECT_SCHEMA,
  };
  if (spec.title) tool.title = spec.title;
  const output = objectSchema(spec.outputSchema);
  if (output) tool.outputSchema = output as Tool["outputSchema"];
  const a = spec.annotations;
  if (a) {
    tool.annotations = {
      ...(spec.title ? { title: spec.title } : {}),
      ...(a.readOnly === undefined ? {} : { readOnlyHint: a.readOnly }),
      ...(a.destructive === undefined ? {} : { destructiveHint: a.destructive }),
      ...(a.idempotent === undefined ? {} : { idempotentHint: a.idempotent }),
      ...(a.openWorld === undefined ? {} : { openWorldHint: a.openWorld }),
    };
  }
  return tool;
}

/**
 * The tools of `/mcp/spokes/<name>`: that spoke's operations the key may call, sorted by name. Empty while the
 * spoke is not connected (its sessions hear `tools/list_changed` when it comes back).
 */
export function spokeTools(catalog: Catalog, identity: Identity, spokeName: string): Tool[] {
  const spoke = catalog.spoke(spokeName);
  if (!spoke?.live || !catalog.canSee(identity, spoke)) return [];
  return [...spoke.operations.values()]
    .filter((operation) => catalog.canCall(identity, operation))
    .sort((a, b) => a.localName.localeCompare(b.localName))
    .map(toTool);
}
