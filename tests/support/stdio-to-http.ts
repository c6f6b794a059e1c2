/**
 * Serves a stdio MCP server's tools over Streamable HTTP on loopback, so that a stdio-only server (the filesystem
 * server) can stand behind a hub upstream in tests. `bun tests/support/stdio-to-http.ts <port> <command> [args…]`.
 * Tools are listed and called on one shared stdio client; everything else is left out.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const [port, command, ...args] = process.argv.slice(2);
if (!port || !command) throw new Error("usage: stdio-to-http.ts <port> <command> [args…]");
const client = new Client({ name: "stdio-to-http", version: "1" });
await client.connect(new StdioClientTransport({ command, args, stderr: "ignore" }));

const transports = new Map<string, WebStandardStreamableHTTPServerTransport>();
Bun.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  idleTimeout: 0,
  async fetch(request) {
    const id = request.headers.get("mcp-session-id");
    let transport = id ? transports.get(id) : undefined;
    if (!transport) {
      if (id) return new Response("unknown session", { status: 404 });
      const server = new Server({ name: "stdio-to-http", version: "1" }, { capabilities: { tools: {} } });
      server.setRequestHandler(ListToolsRequestSchema, (request) => client.listTools(request.params));
      server.setRequestHandler(CallToolRequestSchema, (request) => client.callTool(request.params));
      transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        onsessioninitialized: (sessionId) => void transports.set(sessionId, transport!),
      });
      await server.connect(transport);
    }
    return transport.handleRequest(request);
  },
});
