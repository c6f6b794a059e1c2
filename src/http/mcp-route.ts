import { Elysia } from "elysia";
import type { Identity } from "../auth/index.ts";
import type { McpEndpoint, McpTarget } from "../mcp/index.ts";
import { HubError } from "../protocol/index.ts";
import { type BodyLimits, parseJsonBody, readBodyText } from "./body.ts";
import { jsonResponse } from "./json-response.ts";
import { checkOriginAndHost, type OriginPolicy } from "./origin-check.ts";
import type { RequestAuthenticator } from "./request-auth.ts";

/** What the MCP routes need, resolved per request (closed by the startup gate until ready). */
export interface McpRouteDeps {
  endpoint: () => McpEndpoint;
  auth: RequestAuthenticator;
  policy: OriginPolicy;
  /** The identity of callers without a key, when `mcp.anonymous` is enabled. */
  anonymous: Identity | undefined;
  /** How much of a request body is read (`limits.maxBodyBytes`, `limits.maxJsonDepth`). */
  body: BodyLimits;
}

/** `/mcp` (the four meta-tools) and `/mcp/spokes/<name>` (one spoke's operations as tools). */
export function mcpRoutes(deps: McpRouteDeps) {
  const serve = async (request: Request, target: McpTarget): Promise<Response> => {
    const problem = checkOriginAndHost(request.headers, deps.policy);
    if (problem) return jsonRpcError(403, -32000, `Forbidden: ${problem}`);
    let identity: Identity;
    if (!request.headers.get("authorization") && deps.anonymous) {
      identity = deps.anonymous;
    } else {
      const auth = await deps.auth.authenticate(request);
      if (!auth.ok) return auth.response;
      identity = auth.identity;
    }
    let body: unknown;
    if (request.method === "POST") {
      const text = await readBodyText(request, deps.body.maxBytes);
      body = text instanceof HubError ? text : parseJsonBody(text, deps.body.maxDepth);
      if (body instanceof HubError) {
        return body.code === "PAYLOAD_TOO_LARGE"
          ? jsonRpcError(413, -32600, `Request too large: ${body.message}`)
          : jsonRpcError(400, -32700, `Parse error: ${body.message}`);
      }
    }
    const address = () => deps.auth.address(request);
    return deps.endpoint().handle({ request, identity, target, body, address });
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

function jsonRpcError(status: number, code: number, message: string): Response {
  return jsonResponse({ jsonrpc: "2.0", error: { code, message }, id: null }, status);
}
