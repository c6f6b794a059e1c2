/**
 * A small MCP server with tools the bridge must handle specially: a name that is not a valid operation name, a
 * schema the hub cannot compile, a tool that reports its environment, one that reports whether it was asked for
 * progress, and `add-tool`, which adds a tool and sends `notifications/tools/list_changed`. Over stdio by
 * default; `--http <port>` serves Streamable HTTP on loopback (one server per session); `--never-init` writes to
 * stderr and never answers `initialize`.
 * Run with `bun tests/support/odd-tools-server.ts`.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";

const object = { type: "object", properties: {} } as const;
/** Tools added with `add-tool`, shared by every session. */
const added: Tool[] = [];
const sessions = new Set<Server>();

function createServer(): Server {
  const server = new Server(
    { name: "odd-tools", version: "1.0.0" },
    { capabilities: { tools: { listChanged: true } } },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      { name: "fs/read file", description: "A tool whose name has a slash and a space", inputSchema: object },
      {
        name: "bad-schema",
        description: "Its input schema holds a regular expression that does not compile",
        inputSchema: { type: "object", properties: { x: { type: "string", pattern: "([" } } },
      },
      { name: "env", description: "Reports what the environment holds", inputSchema: object },
      {
        name: "progress-token",
        description: "Reports whether the request asked for progress (carried a progressToken)",
        inputSchema: object,
      },
      {
        name: "add-tool",
        description: "Adds a tool and announces tools/list_changed",
        inputSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
      },
      ...added,
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const name = request.params.name;
    if (name === "add-tool") {
      const tool = String(request.params.arguments?.name);
      added.push({ name: tool, description: `Added at run time: ${tool}`, inputSchema: object });
      for (const session of sessions) await session.sendToolListChanged().catch(() => {});
    }
    return { content: [{ type: "text", text: answerText(name, request.params._meta?.progressToken) }] };
  });
  sessions.add(server);
  server.onclose = () => sessions.delete(server);
  return server;
}

/** What tool `name` answers: the environment for `env`, whether a progressToken came for `progress-token`. */
function answerText(name: string, progressToken: unknown): string {
  if (name === "env") {
    return JSON.stringify({
      value: process.env.BRIDGE_TEST_VALUE ?? null,
      keys: Object.keys(process.env).sort(),
    });
  }
  if (name === "progress-token")
    return progressToken === undefined ? "no progressToken" : "progressToken present";
  return `called ${name}`;
}

async function serveHttp(port: number): Promise<void> {
  const transports = new Map<string, WebStandardStreamableHTTPServerTransport>();
  Bun.serve({
    hostname: "127.0.0.1",
    port,
    idleTimeout: 0,
    async fetch(request) {
      const id = request.headers.get("mcp-session-id");
      let transport = id ? transports.get(id) : undefined;
      if (!transport) {
        if (id) return new Response("unknown session", { status: 404 });
        transport = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: () => crypto.randomUUID(),
          onsessioninitialized: (sessionId) => void transports.set(sessionId, transport!),
        });
        await createServer().connect(transport);
      }
      return transport.handleRequest(request);
    },
  });
  console.error(`odd-tools: listening on ${port}`);
}

const httpAt = process.argv.indexOf("--http");
if (process.argv.includes("--never-init")) {
  console.error("odd-tools: loading plugins");
  console.error("odd-tools: fatal: the database at /nowhere cannot be opened");
  setInterval(() => {}, 1000); // alive, silent on stdout
} else if (httpAt > 0) {
  await serveHttp(Number(process.argv[httpAt + 1]));
} else {
  await createServer().connect(new StdioServerTransport());
}
