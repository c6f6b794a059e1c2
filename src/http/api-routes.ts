import { Elysia } from "elysia";
import type { Identity } from "../auth/index.ts";
import { HubError, readTraceContext } from "../protocol/index.ts";
import { type CallRequest, type Calls, CollectingSink } from "../router/index.ts";
import type { BodyLimits } from "./body.ts";
import { errorResponse, jsonResponse } from "./json-response.ts";
import { type RequestAuthenticator, readJsonBody } from "./request-auth.ts";

/** What the `/api/v1` routes need, resolved per request (closed by the startup gate until ready). */
export interface ApiRouteDeps {
  calls: () => Calls;
  auth: RequestAuthenticator;
  /** How much of a call body is read. */
  body: BodyLimits;
}

/**
 * `/api/v1`: the catalog and calls over plain HTTP (JSON in, JSON out; errors `{ code, message }` with a
 * fitting status). Every route is a thin adapter over the calls facade, like /ws and /mcp.
 */
export function apiRoutes(deps: ApiRouteDeps) {
  const call = async (request: Request, identity: Identity, callRequest: CallRequest): Promise<Response> => {
    const sink = new CollectingSink();
    const handle = deps.calls().call({ identity, surface: "http" }, callRequest, sink);
    // A client that goes away takes its call with it.
    const onAbort = () => handle.abort("the HTTP client disconnected");
    request.signal.addEventListener("abort", onAbort, { once: true });
    const result = await sink.result;
    request.signal.removeEventListener("abort", onAbort);
    if (!result.ok) return errorResponse(result.error);
    return jsonResponse(
      result.items === undefined ? result.output : { items: result.items, truncated: result.truncated },
    );
  };

  return new Elysia({ name: "api-routes", prefix: "/api/v1" })
    .resolve(async ({ request }) => ({ auth: await deps.auth.authenticate(request) }))
    .get("/spokes", ({ request, auth }) =>
      auth.ok ? call(request, auth.identity, { operation: "hub.spokes", input: {} }) : auth.response,
    )
    .get("/operations", ({ request, auth, query }) => {
      if (!auth.ok) return auth.response;
      const limit = query.limit === undefined ? undefined : Number(query.limit);
      const common = { namespace: query.namespace, limit };
      const input = query.q ? { query: query.q, ...common } : { cursor: query.cursor, ...common };
      return call(request, auth.identity, {
        operation: query.q ? "hub.search" : "hub.list",
        input: dropUndefined(input),
      });
    })
    .get("/operations/:name", ({ request, auth, params }) =>
      auth.ok
        ? call(request, auth.identity, { operation: "hub.schema", input: { operation: params.name } })
        : auth.response,
    )
    .post(
      "/operations/:name/call",
      async ({ request, auth, params, query }) => {
        if (!auth.ok) return auth.response;
        const body = await readJsonBody(request, deps.body);
        if (body instanceof HubError) return errorResponse(body);
        const timeoutMs = query.timeoutMs === undefined ? undefined : Number(query.timeoutMs);
        if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
          return errorResponse(new HubError("VALIDATION_ERROR", "timeoutMs must be a positive whole number"));
        }
        return call(request, auth.identity, {
          operation: params.name,
          input: body,
          deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
          // W3C trace context headers start the call's trace; malformed ones are ignored (docs/observability.md).
          trace: readTraceContext(request.headers.get("traceparent"), request.headers.get("tracestate")),
        });
      },
      { parse: "none" },
    );
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
