import { Elysia } from "elysia";
import type { Identity, KeyVerifier } from "../auth/index.ts";
import type { McpEndpoint, McpTarget } from "../mcp/index.ts";
import { jsonResponse } from "./json-response.ts";
import { checkOriginAndHost, type OriginPolicy } from "./origin-check.ts";
import { authenticate } from "./request-auth.ts";

/** What the MCP routes need, resolved per request (closed by the startup gate until ready). */
export interface McpRouteDeps {
  endpoint: () => McpEndpoint;
  keys: () => KeyVerifier;
  policy: OriginPolicy;
  /** The identity of callers without a key, when `mcp.anonymous` is enabled. */
  anonymous: Identity | undefined;
}

/** `/mcp` (the four meta-tools) and `/mcp/spokes/<name>` (one spoke's operations as tools). */
export function mcpRoutes(deps: McpRouteDeps) {
  const serve = async (request: Request, target: McpTarget): Promise<Response> => {
    const problem = checkOriginAndHost(request.headers, deps.policy);
    if (problem)
      return jsonResponse(
        { jsonrpc: "2.0", error: { code: -32000, message: `Forbidden: ${problem}` }, id: null },
        403,
      );
    let identity: Identity;
    if (!request.headers.get("authorization") && deps.anonymous) {
      identity = deps.anonymous;
    } else {
      const auth = await authenticate(request, deps.keys());
      if (!auth.ok) return auth.response;
      identity = auth.identity;
    }
    return deps.endpoint().handle(request, identity, target);
  };
  return new Elysia({ name: "mcp-routes" })
    .all("/mcp", ({ request }) => serve(request, { kind: "meta" }), { parse: "none" })
    .all(
      "/mcp/spokes/:name",
      ({ request, params }) => serve(request, { kind: "spoke", spokeName: params.name }),
      {
        parse: "none",
      },
    );
}
