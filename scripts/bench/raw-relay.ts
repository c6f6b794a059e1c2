/**
 * The raw baseline of PERFORMANCE.md: the smallest possible hub. One `Bun.serve`, a `Map` of pending ids,
 * `JSON.parse`/`JSON.stringify` per frame. It speaks the hub's wire shape so the same load generators drive
 * both: a connection that sends `hub.register` becomes the spoke of that name; any other `call.requested` is
 * routed by its first name segment to that spoke under a relay-chosen id, and the reply goes back under the
 * caller's id. No auth, no validation, no limits — that is the point.
 *
 * `POST /mcp` is the same relay behind plain JSON-RPC over HTTP (`tools/call` of `hub.call`, JSON response),
 * the floor for the MCP benchmark.
 *
 * Usage: bun scripts/bench/raw-relay.ts [--port 0]   (prints `listening <port>` once it listens)
 */
import type { ServerWebSocket } from "bun";
import { DEFAULT_HEARTBEAT_MS, DEFAULT_SPOKE_LIMITS } from "../../src/protocol/register.ts";

interface Pending {
  /** Where the reply goes: a caller socket, or an HTTP request waiting for its answer. */
  ws?: ServerWebSocket<Conn>;
  http?: (output: unknown, error?: { code: string; message: string }) => void;
  callerId: string;
}

interface Conn {
  spokeName?: string;
}

interface Frame {
  type: string;
  id: string;
  payload: {
    requestId: string;
    operation?: string;
    input?: unknown;
    output?: unknown;
    code?: string;
    message?: string;
  };
}

/** A running raw relay. */
export interface RawRelay {
  port: number;
  stop(): void;
}

/** Serves the raw relay on 127.0.0.1:`port` (0 picks one). */
export function serveRawRelay(port = 0): RawRelay {
  const spokes = new Map<string, ServerWebSocket<Conn>>();
  const pending = new Map<string, Pending>();
  let nextId = 0;

  /** Forwards one call to its spoke; false when no spoke holds the name. */
  const forward = (operation: string, input: unknown, target: Pending): boolean => {
    const dot = operation.indexOf(".");
    const spoke = spokes.get(operation.slice(0, dot));
    if (!spoke) return false;
    const id = `h${++nextId}`;
    pending.set(id, target);
    spoke.send(
      JSON.stringify({
        type: "call.requested",
        id,
        payload: {
          requestId: id,
          operation: operation.slice(dot + 1),
          input,
          caller: { id: "raw", scopes: [] },
        },
      }),
    );
    return true;
  };

  const server = Bun.serve<Conn>({
    hostname: "127.0.0.1",
    port,
    async fetch(req, srv) {
      const url = new URL(req.url);
      if (url.pathname === "/ws") {
        return srv.upgrade(req, { data: {} }) ? undefined : new Response("upgrade failed", { status: 400 });
      }
      if (url.pathname === "/health") return new Response('{"status":"ok"}');
      if (url.pathname === "/mcp" && req.method === "POST") return mcp(await req.json());
      return new Response("not found", { status: 404 });
    },
    websocket: {
      message(ws, message) {
        // Bun's upgrade takes the first subprotocol a client offers: the SDK's (and `alkhub bridge`'s) is the
        // batch one, whose messages may hold several frames, a line each.
        const text = String(message);
        if (text.includes("\n")) for (const line of text.split("\n")) relayFrame(ws, line);
        else relayFrame(ws, text);
      },
      close(ws) {
        if (ws.data.spokeName && spokes.get(ws.data.spokeName) === ws) spokes.delete(ws.data.spokeName);
      },
    },
  });

  function relayFrame(ws: ServerWebSocket<Conn>, text: string): void {
    const frame = JSON.parse(text) as Frame;
    const p = frame.payload;
    if (frame.type === "call.requested") {
      if (p.operation === "hub.register") {
        const name = (p.input as { name: string }).name;
        ws.data.spokeName = name;
        spokes.set(name, ws);
        // A whole answer, so that the SDK's spokes (and `alkhub bridge`) register here as at the hub.
        const output = {
          spokeId: name,
          name,
          heartbeatMs: DEFAULT_HEARTBEAT_MS,
          limits: DEFAULT_SPOKE_LIMITS,
        };
        ws.send(
          JSON.stringify({
            type: "call.responded",
            id: frame.id,
            payload: { requestId: frame.id, output },
          }),
        );
        return;
      }
      if (!forward(p.operation ?? "", p.input, { ws, callerId: frame.id })) {
        const error = { requestId: frame.id, code: "OPERATION_NOT_FOUND", message: "no such spoke" };
        ws.send(JSON.stringify({ type: "call.error", id: frame.id, payload: error }));
      }
      return;
    }
    const target = pending.get(p.requestId);
    if (!target) return;
    pending.delete(p.requestId);
    const error = frame.type === "call.error" ? { code: p.code ?? "", message: p.message ?? "" } : undefined;
    if (target.http) {
      target.http(p.output, error);
      return;
    }
    const payload = error
      ? { requestId: target.callerId, ...error }
      : { requestId: target.callerId, output: p.output };
    target.ws?.send(JSON.stringify({ type: frame.type, id: target.callerId, payload }));
  }

  /** JSON-RPC over HTTP: initialize gets a session id, notifications 202, `tools/call` of `hub.call` relays. */
  function mcp(body: {
    id?: unknown;
    method?: string;
    params?: { arguments?: { operation?: string; input?: unknown } };
  }) {
    const reply = (result: unknown, headers: Record<string, string> = {}) =>
      new Response(JSON.stringify({ jsonrpc: "2.0", id: body.id, result }), {
        headers: { "content-type": "application/json", ...headers },
      });
    if (body.method === "initialize") {
      const result = {
        protocolVersion: "2025-11-25",
        capabilities: { tools: {} },
        serverInfo: { name: "raw", version: "0" },
      };
      return reply(result, { "mcp-session-id": crypto.randomUUID() });
    }
    if (body.id === undefined) return new Response(null, { status: 202 });
    const args = body.params?.arguments ?? {};
    const { promise, resolve } = Promise.withResolvers<Response>();
    const sent = forward(args.operation ?? "", args.input, {
      callerId: "",
      http: (output, error) =>
        resolve(
          reply(
            error
              ? { isError: true, content: [{ type: "text", text: JSON.stringify(error) }] }
              : { content: [{ type: "text", text: JSON.stringify(output) }], structuredContent: output },
          ),
        ),
    });
    if (!sent) return reply({ isError: true, content: [{ type: "text", text: "no such spoke" }] });
    return promise;
  }

  return { port: server.port ?? port, stop: () => server.stop(true) };
}

if (import.meta.main) {
  const index = process.argv.indexOf("--port");
  const relay = serveRawRelay(index > 0 ? Number(process.argv[index + 1]) : 0);
  console.log(`listening ${relay.port}`);
  process.on("SIGTERM", () => {
    relay.stop();
    process.exit(0);
  });
}
