/**
 * One route of the hub's HTTP API (`/api/v1`) as a value: what it accepts (TypeBox), what it answers, who may
 * call it and what it does. The same table is mounted by `http/` (auth, scope, body limits, validation) and
 * turned into the OpenAPI document (`openapi.ts`), so the two cannot drift apart.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import type { Identity } from "../auth/index.ts";

/** HTTP methods the table uses. */
export type RouteMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * `admin`: the key needs scope admin (socket peers have it); `any`: any valid caller; `public`: no key at all
 * (the API description). A public route's handler gets an actor with no key and no scopes.
 */
export type RouteScope = "admin" | "any" | "public";

/**
 * Who is calling. `keyId` is undefined for the local admin socket (logged as `local-socket`). `identity` is what
 * the calls facade needs (scopes, globs); the socket gets an admin identity of its own.
 */
export interface Actor {
  keyId: string | undefined;
  /** `none`: a public route, called without a key. */
  via: "key" | "socket" | "session" | "none";
  identity: Identity;
  /** The client address (for audit rows), when known. */
  address?: string;
}

/** What a handler receives: validated and converted params, query and body, the caller and the raw request. */
export interface RouteContext<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
  /** For its abort signal and headers; the body is already read (do not read it again). */
  request: Request;
}

type StaticOr<T, Fallback> = T extends TSchema ? Static<T> : Fallback;

/**
 * One route. `path` is the OpenAPI template under `/api/v1` (`/keys/{id}`). A handler returns the answer body
 * (sent as JSON with `status`, default 200) or a `Response` of its own (streams); it throws `HubError` for a
 * refusal the caller should see.
 */
export interface Route<
  P extends TSchema | undefined = TSchema | undefined,
  Q extends TSchema | undefined = TSchema | undefined,
  B extends TSchema | undefined = TSchema | undefined,
  R extends TSchema = TSchema,
> {
  method: RouteMethod;
  path: string;
  summary: string;
  /** Longer text for the reference (markdown-free, plain sentences). */
  description?: string;
  /** Groups routes in the reference (`keys`, `accounts`, …). */
  tag: string;
  scope: RouteScope;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * `raw`: the body is read with limits and parsed as JSON but not checked against `body` (call inputs are
   * checked by the operation's own schema); `body` then only documents it.
   */
  bodyMode?: "checked" | "raw";
  response: R;
  /** Success status; default 200. */
  status?: number;
  /** Set for a stream (`text/event-stream`): `response` then describes one event's data. */
  stream?: "text/event-stream";
  handle(
    ctx: RouteContext<
      StaticOr<P, Record<string, never>>,
      StaticOr<Q, Record<string, never>>,
      StaticOr<B, unknown>
    >,
  ): Promise<Static<R> | Response> | Static<R> | Response;
}

/** A route of any shape, as tables hold them. */
// biome-ignore lint/suspicious/noExplicitAny: a table holds routes of different shapes; each was checked where defined.
export type AnyRoute = Route<any, any, any, any>;

/** Defines a route with its handler typed from its schemas. */
export function defineRoute<
  P extends TSchema | undefined = undefined,
  Q extends TSchema | undefined = undefined,
  B extends TSchema | undefined = undefined,
  R extends TSchema = TSchema,
>(route: Route<P, Q, B, R>): AnyRoute {
  return route as AnyRoute;
}
