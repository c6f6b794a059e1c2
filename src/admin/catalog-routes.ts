/**
 * The catalog and calls over plain HTTP (scope any: what the key may see and call): every route is a thin
 * adapter over the calls facade, like /ws and /mcp, so the same access rules and hub operations answer.
 */
import { type TSchema, Type } from "@sinclair/typebox";
import {
  HubError,
  HubListOutput,
  HubSearchInput,
  OperationSpec,
  readTraceContext,
} from "../protocol/index.ts";
import { type CallRequest, CollectingSink } from "../router/index.ts";
import type { ApiDeps } from "./deps.ts";
import { strictObject } from "./list.ts";
import { type Actor, type AnyRoute, defineRoute } from "./route.ts";

const TAG = "catalog";

const OperationParams = strictObject({
  name: Type.String({ minLength: 1, maxLength: 128, description: "Published operation name." }),
});

const OperationsQuery = strictObject({
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 256, description: "Search text (ranked results)." }),
  ),
  namespace: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: "Name prefix before a dot." }),
  ),
  cursor: Type.Optional(Type.String({ description: "`nextCursor` of the previous page (not with q)." })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

const CallQuery = strictObject({
  timeoutMs: Type.Optional(
    Type.Integer({ minimum: 1, description: "Call timeout, capped by router.maxTimeoutMs." }),
  ),
});

/** Most results of one search (`hub.search`'s own limit). */
const MAX_SEARCH_LIMIT = (HubSearchInput.properties.limit as { maximum: number }).maximum;

/** Anything JSON: the output of an operation is described by its own schema (`GET /operations/{name}`). */
const AnyJson = Type.Unknown({ description: "The operation's output (see its outputSchema)." });

/** The catalog routes. */
export function catalogRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/operations",
      summary: "List or search operations",
      description:
        "Without q: a page by name (namespace, cursor, limit). With q: ranked search (limit at most 50).",
      tag: TAG,
      scope: "any",
      query: OperationsQuery,
      response: HubListOutput,
      handle({ request, actor, query }) {
        // hub.search takes fewer than hub.list; said here so the message names the query parameter.
        if (query.q && query.limit !== undefined && query.limit > MAX_SEARCH_LIMIT) {
          throw new HubError("VALIDATION_ERROR", `query.limit: at most ${MAX_SEARCH_LIMIT} with q`);
        }
        if (query.q && query.cursor !== undefined) {
          throw new HubError(
            "VALIDATION_ERROR",
            "query.cursor: search results come in one page (no cursor with q)",
          );
        }
        const common = dropUndefined({ namespace: query.namespace, limit: query.limit });
        return call(deps, request, actor, {
          operation: query.q ? "hub.search" : "hub.list",
          input: query.q ? { query: query.q, ...common } : dropUndefined({ cursor: query.cursor, ...common }),
        });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/operations/{name}",
      summary: "Show an operation's schema",
      tag: TAG,
      scope: "any",
      params: OperationParams,
      response: Type.Composite([
        OperationSpec,
        Type.Object({ spoke: Type.Object({ name: Type.String(), live: Type.Boolean() }) }),
      ]) as TSchema,
      handle: ({ request, actor, params }) =>
        call(deps, request, actor, { operation: "hub.schema", input: { operation: params.name } }),
    }),
    defineRoute({
      method: "POST",
      path: "/operations/{name}/call",
      summary: "Call an operation",
      description:
        "The JSON body is the input (checked by the operation's own schema). Subscriptions answer `{ items, truncated }` once they end.",
      tag: TAG,
      scope: "any",
      params: OperationParams,
      query: CallQuery,
      body: Type.Unknown({ description: "The operation's input (see its inputSchema)." }),
      bodyMode: "raw",
      response: AnyJson,
      handle: ({ request, actor, params, query, body }) =>
        call(deps, request, actor, {
          operation: params.name,
          input: body,
          deadline: query.timeoutMs === undefined ? undefined : Date.now() + query.timeoutMs,
          // W3C trace context headers start the call's trace; malformed ones are ignored (docs/observability.md).
          trace: readTraceContext(request.headers.get("traceparent"), request.headers.get("tracestate")),
        }),
    }),
  ];
}

/**
 * Runs a call through the facade; the answer is its output, or its error thrown. `T` is what the route's
 * response schema says the facade answers (it is not checked again here).
 */
async function call<T>(deps: ApiDeps, request: Request, actor: Actor, callRequest: CallRequest): Promise<T> {
  const sink = new CollectingSink();
  const handle = deps.parts().calls.call({ identity: actor.identity, surface: "http" }, callRequest, sink);
  // A client that goes away takes its call with it.
  const onAbort = () => handle.abort("the HTTP client disconnected");
  request.signal.addEventListener("abort", onAbort, { once: true });
  const result = await sink.result;
  request.signal.removeEventListener("abort", onAbort);
  if (!result.ok) throw result.error;
  return (
    result.items === undefined ? result.output : { items: result.items, truncated: result.truncated }
  ) as T;
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
