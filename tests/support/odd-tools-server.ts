/**
 * A small stdio MCP server with tools the bridge must handle specially: a name that is not a valid operation
 * name, a schema the hub cannot compile, and a tool that reports its environment. `--never-init` makes it write
 * to stderr and never answer `initialize`. Run with `bun tests/support/odd-tools-server.ts`.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

if (process.argv.includes("--never-init")) {
  console.error("odd-tools: loading plugins");
  console.error("odd-tools: fatal: the database at /nowhere cannot be opened");
  setInterval(() => {}, 1000); // alive, silent on stdout
} else {
  const server = new Server({ name: "odd-tools", version: "1.0.0" }, { capabilities: { tools: {} } });
  const object = { type: "object", properties: {} } as const;
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      { name: "fs/read file", description: "A tool whose name has a slash and a space", inputSchema: object },
      {
        name: "bad-schema",
        description: "Its input schema holds a regular expression that does not compile",
        inputSchema: { type: "object", properties: { x: { type: "string", pattern: "([" } } },
      },
      { name: "env", description: "Reports what the environment holds", inputSchema: object },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const name = request.params.name;
    const text =
      name === "env"
        ? JSON.stringify({
            value: process.env.BRIDGE_TEST_VALUE ?? null,
            keys: Object.keys(process.env).sort(),
          })
        : `called ${name}`;
    return { content: [{ type: "text", text }] };
  });
  await server.connect(new StdioServerTransport());
}
