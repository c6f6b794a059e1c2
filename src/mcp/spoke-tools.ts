import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Identity } from "../auth/index.ts";
import type { Catalog, CatalogOperation } from "../catalog/index.ts";
import { invalidParams } from "./protocol-errors.ts";

const EMPTY_OBJECT_SCHEMA: Tool["inputSchema"] = { type: "object", properties: {} };
/** Tools per `tools/list` page of a spoke endpoint. */
export const SPOKE_TOOLS_PAGE_SIZE = 100;

/** An operation's JSON Schema, if it describes an object (MCP requires object schemas for tools). */
function objectSchema(schema: unknown): Tool["inputSchema"] | undefined {
  if (typeof schema !== "object" || schema === null) return undefined;
  return (schema as { type?: unknown }).type === "object" ? (schema as Tool["inputSchema"]) : undefined;
}

/**
 * The output schema a tool advertises: what its result's `structuredContent` really is. A query or mutation
 * returns its output (advertised when it is an object schema); a subscription returns the collected
 * `{ items, truncated }`, each item matching the operation's per-item output schema.
 */
export function toolOutputSchema(operation: CatalogOperation): Tool["outputSchema"] | undefined {
  const { spec } = operation;
  if (spec.type === "subscription") {
    const items =
      typeof spec.outputSchema === "object" && spec.outputSchema !== null ? spec.outputSchema : {};
    return {
      type: "object",
      properties: { items: { type: "array", items }, truncated: { type: "boolean" } },
      required: ["items", "truncated"],
    } as Tool["outputSchema"];
  }
  return objectSchema(spec.outputSchema) as Tool["outputSchema"] | undefined;
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
  const output = toolOutputSchema(operation);
  if (output) tool.outputSchema = output;
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
 * The operation behind tool `name` of `/mcp/spokes/<spokeName>`, if the key may call it (else it is unknown). An
 * operation of a spoke that is offline is still known: calling it says the spoke is unavailable.
 */
export function spokeTool(
  catalog: Catalog,
  identity: Identity,
  spokeName: string,
  name: string,
): CatalogOperation | undefined {
  const spoke = catalog.spoke(spokeName);
  if (!spoke || !catalog.canSee(identity, spoke)) return undefined;
  const operation = spoke.operations.get(name);
  return operation && catalog.canCall(identity, operation) ? operation : undefined;
}

/**
 * One page of the tools of `/mcp/spokes/<name>`: that spoke's operations the key may call, sorted by name.
 * The cursor is the last name of the previous page (base64url), so pages stay stable while tools come and go;
 * a cursor that is not one of ours is `-32602`. Empty while the spoke is not connected (its sessions hear
 * `tools/list_changed` when it comes back).
 */
export function spokeToolsPage(
  catalog: Catalog,
  identity: Identity,
  spokeName: string,
  cursor: string | undefined,
): { tools: Tool[]; nextCursor?: string } {
  let after: string | undefined;
  if (cursor !== undefined) {
    after = decodeCursor(cursor);
    if (after === undefined) throw invalidParams(`invalid cursor "${cursor.slice(0, 64)}"`);
  }
  const spoke = catalog.spoke(spokeName);
  if (!spoke?.live || !catalog.canSee(identity, spoke)) return { tools: [] };
  const callable = [...spoke.operations.values()]
    .filter(
      (operation) =>
        catalog.canCall(identity, operation) && (after === undefined || operation.localName > after),
    )
    .sort((a, b) => (a.localName < b.localName ? -1 : a.localName > b.localName ? 1 : 0));
  const page = callable.slice(0, SPOKE_TOOLS_PAGE_SIZE);
  const last = page.at(-1);
  return {
    tools: page.map(toTool),
    ...(callable.length > page.length && last ? { nextCursor: encodeCursor(last.localName) } : {}),
  };
}

const CURSOR_PREFIX = "after:";

function encodeCursor(name: string): string {
  return Buffer.from(CURSOR_PREFIX + name).toString("base64url");
}

function decodeCursor(cursor: string): string | undefined {
  if (cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  return text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : undefined;
}
