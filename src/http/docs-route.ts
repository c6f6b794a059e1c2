/**
 * `GET /api/docs`: the API reference page, made from the route table's OpenAPI document on first request and
 * kept. No key needed: it describes the API, it holds nothing of anyone's.
 */
import { Elysia } from "elysia";
import { type AnyRoute, apiDocument, type ReferencePage, referencePage } from "../admin/index.ts";

/** The reference page route for `routes` (the same table `mountRoutes` serves). */
export function docsRoute(routes: readonly AnyRoute[]) {
  let page: ReferencePage | undefined;
  return new Elysia({ name: "docs-route" }).get("/api/docs", () => {
    page ??= referencePage(apiDocument(routes));
    return new Response(page.html, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": page.contentSecurityPolicy,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      },
    });
  });
}
