/**
 * The floor of the MCP latency row: an `echo` tool served directly by the official SDK (`Server` +
 * `WebStandardStreamableHTTPServerTransport`, one session per client, the SDK's defaults), on Bun.serve. Prints
 * `listening <port>` once ready.
 *
 * Usage: bun scripts/bench/load/sdk-server.ts
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();

async function openSession(): Promise<WebStandardStreamableHTTPServerTransport> {
  const server = new Server({ name: "sdk-echo", version: "1" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: "echo",
        description: "Echoes its input",
        inputSchema: { type: "object", properties: { text: { type: "string" } } },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const output = request.params.arguments ?? {};
    return { content: [{ type: "text", text: JSON.stringify(output) }], structuredContent: output };
  });
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    onsessioninitialized: (id) => {
      sessions.set(id, transport);
    },
  });
  await server.connect(transport);
  return transport;
}

const http = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    const body = request.method === "POST" ? await request.json() : undefined;
    const id = request.headers.get("mcp-session-id");
    const transport = id ? sessions.get(id) : await openSession();
    if (!transport) return new Response("no session", { status: 404 });
    return transport.handleRequest(request, { parsedBody: body });
  },
});
console.log(`listening ${http.port}`);
