/**
 * Mounts the API route table (`admin/`) on Elysia: for each route, authentication, the scope check, params and
 * query converted and checked, the body read with limits and checked, then the handler. Refusals are
 * `{ code, message }` with the message naming the field (`body.scopes[0]: ...`); a store outage is a 503.
 */
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { Elysia } from "elysia";
import type { Actor, AnyRoute } from "../admin/index.ts";
import { hasScope } from "../auth/index.ts";
import type { Logger } from "../log/index.ts";
import { compileChecker, HubError, type SchemaChecker } from "../protocol/index.ts";
import { isStoreUnavailable } from "../store/index.ts";
import type { BodyLimits } from "./body.ts";
import { errorResponse, jsonResponse } from "./json-response.ts";
import { actorOf, type RequestAuthenticator, readJsonBody } from "./request-auth.ts";

/** Who a request comes from, or the refusal to send (401/429). */
export type ActorCheck = { ok: true; actor: Actor } | { ok: false; response: Response };

/** How `mountRoutes` mounts a table. */
export interface MountOptions {
  /** Path prefix of every route (`/api/v1`). */
  prefix: string;
  /** Plugin name (Elysia dedupes plugins by name). */
  name: string;
  /** Finds the caller of a request (bearer key, session, socket peer). */
  authenticate(request: Request): Promise<ActorCheck>;
  /** How much of a request body is read. */
  body: BodyLimits;
  /** Where store outages are logged. */
  log(): Logger;
}

/** Callers authenticated by their bearer key, dashboard session cookie or the local admin socket (`RequestAuthenticator`). */
export function bearerActors(auth: RequestAuthenticator): (request: Request) => Promise<ActorCheck> {
  return async (request) => {
    const checked = await auth.authenticate(request);
    if (!checked.ok) return checked;
    // A local admin socket peer has no key: its writes are audited with actor_key_id null, address local-socket.
    return {
      ok: true,
      actor: { ...actorOf(checked), identity: checked.identity, address: auth.address(request) },
    };
  };
}

/** The caller of a public route: no key, no scopes. */
const PUBLIC_CALLER: ActorCheck = {
  ok: true,
  actor: {
    keyId: undefined,
    via: "none",
    identity: {
      keyId: "public",
      accountId: "public",
      accountName: "public",
      scopes: [],
      spokeNames: [],
      operations: [],
      expiresAt: null,
    },
  },
};

/** `/keys/{id}` → `/keys/:id`. */
export function elysiaPath(template: string): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ":$1");
}

/** One Elysia plugin serving every route of `routes`. */
export function mountRoutes(routes: readonly AnyRoute[], options: MountOptions) {
  const app = new Elysia({ name: options.name, prefix: options.prefix });
  for (const route of routes) {
    const serve = routeServer(route, options);
    app.route(route.method, elysiaPath(route.path), ({ request, params }) => serve(request, params), {
      parse: "none",
    });
  }
  return app;
}

/** The request handler of one route. */
function routeServer(route: AnyRoute, options: MountOptions) {
  const checkers = {
    params: route.params && compileChecker(route.params as TSchema),
    query: route.query && compileChecker(route.query as TSchema),
    body: route.body && route.bodyMode !== "raw" ? compileChecker(route.body as TSchema) : undefined,
  };
  const where = `${route.method} ${options.prefix}${route.path}`;
  const serve = async (
    request: Request,
    rawParams: Record<string, string | undefined>,
  ): Promise<Response> => {
    const caller = route.scope === "public" ? PUBLIC_CALLER : await options.authenticate(request);
    if (!caller.ok) return caller.response;
    if (route.scope === "admin" && !hasScope(caller.actor.identity, "admin")) {
      return errorResponse(new HubError("ACCESS_DENIED", `${where} needs a key with scope admin`));
    }
    const params = checked(checkers.params, definedParams(rawParams), "params");
    const query = checked(checkers.query, queryObject(request), "query");
    if (!checkers.query) refuseQuery(query as Record<string, string>);
    let body: unknown;
    if (route.body) {
      body = await readJsonBody(request, options.body);
      if (body instanceof HubError) return errorResponse(body);
      body = checked(checkers.body, body, "body", false);
    }
    const result = await route.handle({ params, query, body, actor: caller.actor, request });
    if (result instanceof Response) return result;
    return jsonResponse(result, route.status ?? 200);
  };
  return async (request: Request, rawParams: Record<string, string | undefined>): Promise<Response> => {
    try {
      return await serve(request, rawParams);
    } catch (error) {
      if (error instanceof HubError) return errorResponse(error);
      // Checking the key reads the store too: an outage then is a 503 as well, not a 500.
      if (isStoreUnavailable(error)) {
        options.log().warn("api request failed: the store is unreachable", { route: where, error });
        return errorResponse(new HubError("UNAVAILABLE", "the database is unreachable; try again shortly"));
      }
      throw error;
    }
  };
}

/**
 * `value` converted to the schema's types (query and path values arrive as text) and checked; throws a
 * `VALIDATION_ERROR` naming the first wrong field under `root`. Without a checker the value passes as it is.
 */
function checked(
  checker: SchemaChecker<TSchema> | undefined,
  value: unknown,
  root: string,
  convert = true,
): unknown {
  if (!checker) return value;
  const converted = convert ? Value.Convert(checker.schema, value) : value;
  const problem = checker.explain(converted, root);
  if (problem !== undefined) throw new HubError("VALIDATION_ERROR", problem);
  return converted;
}

/** A route without a query schema takes no query parameters: a stray one is a mistake worth naming. */
function refuseQuery(query: Record<string, string>): void {
  const [name] = Object.keys(query);
  if (name !== undefined) {
    throw new HubError("VALIDATION_ERROR", `query.${name}: this route takes no query parameters`);
  }
}

/** The query string as an object (a repeated name keeps its last value). */
function queryObject(request: Request): Record<string, string> {
  const url = request.url;
  const at = url.indexOf("?");
  if (at < 0) return {};
  return Object.fromEntries(new URLSearchParams(url.slice(at + 1)));
}

/** Path parameters as Elysia found them (already percent-decoded). */
function definedParams(params: Record<string, string | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) if (value !== undefined) out[name] = value;
  return out;
}
