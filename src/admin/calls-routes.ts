/** `/calls` (scope admin): the call audit, filtered, newest first, in keyset pages. */
import { queryCalls } from "../audit/index.ts";
import type { ApiDeps } from "./deps.ts";
import { page, timeIdPage, timeWindow } from "./list.ts";
import { CallItem, CallListQuery } from "./live-schemas.ts";
import { type AnyRoute, defineRoute } from "./route.ts";

/** The calls routes. */
export function callsRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/calls",
      summary: "List finished calls",
      description:
        "Newest first by start time. Rows are written in batches off the relay (within audit.flushIntervalMs), so the newest calls appear a moment after they end; GET /events streams them live.",
      tag: "calls",
      scope: "admin",
      query: CallListQuery,
      response: page(CallItem),
      async handle({ query }) {
        const { operation, spoke, key, outcome } = query;
        const filter = { operation, spoke, key, outcome, ...timeWindow(query) };
        return timeIdPage(
          query,
          (limit, after) => queryCalls(deps.store().db, filter, limit, after),
          (row) => row.key,
          (row) => row.item,
        );
      },
    }),
  ];
}
