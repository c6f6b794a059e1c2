import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { TSchema } from "@sinclair/typebox";
import { HubCallInput, HubListInput, HubSchemaInput, HubSearchInput } from "../protocol/index.ts";

/** A TypeBox schema as plain JSON Schema (TypeBox adds symbol keys that must not reach the wire). */
function jsonSchema(schema: TSchema): Tool["inputSchema"] {
  return JSON.parse(JSON.stringify(schema)) as Tool["inputSchema"];
}

/** The four tools of `/mcp` (MCP.md): descriptions written for a model, two sentences each. */
export function metaTools(): Tool[] {
  return [
    {
      name: "hub.list",
      title: "List operations",
      description:
        "Lists the operations you can call through this hub, page by page, optionally within one namespace (a spoke name such as `dev1`). Use it to see what exists when you do not know what to search for.",
      inputSchema: jsonSchema(HubListInput),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: "hub.search",
      title: "Search operations",
      description:
        "Finds operations by words in their name, title, description and tags, best matches and live spokes first. Use it before hub.call when you know what you want done but not which operation does it.",
      inputSchema: jsonSchema(HubSearchInput),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: "hub.schema",
      title: "Describe an operation",
      description:
        "Returns the full specification of one operation: its input and output JSON Schemas, annotations and whether its spoke is connected. Use it to build a valid input for hub.call.",
      inputSchema: jsonSchema(HubSchemaInput),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: "hub.call",
      title: "Call an operation",
      description:
        "Calls one operation by its full name with an input that matches its schema, and returns the operation's output. Use hub.search and hub.schema first if you are unsure of the name or the input.",
      inputSchema: jsonSchema(HubCallInput),
      annotations: { openWorldHint: true },
    },
  ];
}
