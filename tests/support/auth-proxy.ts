/**
 * An HTTP front for a Streamable HTTP MCP server that demands `Authorization: Bearer <token>` (401 otherwise) and
 * forwards everything else as it is, streaming answers. The token can be changed, as a server whose credential is
 * rotated would; the requests it saw are counted by outcome.
 */
export interface AuthProxy {
  url: string;
  /** The token accepted from now on. */
  token: string;
  accepted: number;
  refused: number;
  stop(): Promise<void>;
}

export function startAuthProxy(target: string, token: string): AuthProxy {
  const state = { token, accepted: 0, refused: 0 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      if (request.headers.get("authorization") !== `Bearer ${state.token}`) {
        state.refused++;
        return new Response("unauthorized", { status: 401 });
      }
      state.accepted++;
      const headers = new Headers(request.headers);
      headers.delete("authorization");
      headers.delete("host");
      const body = request.method === "POST" ? await request.arrayBuffer() : undefined;
      const url = new URL(request.url);
      return fetch(`${target}${url.search}`, {
        method: request.method,
        headers,
        body,
        signal: request.signal,
      });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/mcp`,
    get token() {
      return state.token;
    },
    set token(value: string) {
      state.token = value;
    },
    get accepted() {
      return state.accepted;
    },
    get refused() {
      return state.refused;
    },
    async stop() {
      await server.stop(true);
    },
  };
}
