/** `GET /openapi.json` (public): the OpenAPI 3.1 document of the whole table, made once and kept. */
import { Type } from "@sinclair/typebox";
import { BUILD_INFO } from "../version.ts";
import { openApiDocument } from "./openapi.ts";
import { type AnyRoute, defineRoute } from "./route.ts";

/** Where the table is mounted. */
export const API_PREFIX = "/api/v1";

/** The document of `routes` (every route of the API, this one included). */
export function apiDocument(routes: readonly AnyRoute[]) {
  return openApiDocument(routes, {
    title: "alkhub API",
    version: BUILD_INFO.version,
    description:
      "The hub's HTTP API: the catalog and calls for every key, and the admin API (keys, accounts, clients, secrets, live operations) for keys with scope admin. Errors are { code, message }. Lists take ?limit= (1-500, default 50) and ?cursor= and answer { items, nextCursor }.",
    prefix: API_PREFIX,
  });
}

/** The meta routes; `routes` is read at the first request (the table is complete by then). */
export function metaRoutes(routes: () => readonly AnyRoute[]): AnyRoute[] {
  let text: string | undefined;
  return [
    defineRoute({
      method: "GET",
      path: "/openapi.json",
      summary: "This API as an OpenAPI 3.1 document",
      description: "No key needed. A readable reference of the same document is at /api/docs.",
      tag: "meta",
      scope: "public",
      response: Type.Object({ openapi: Type.Literal("3.1.0") }, { additionalProperties: true }),
      handle() {
        text ??= JSON.stringify(apiDocument(routes()));
        return new Response(text, { headers: { "content-type": "application/json" } });
      },
    }),
  ];
}
