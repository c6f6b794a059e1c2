/** `/calls` (scope admin): the call audit, filtered, newest first, in keyset pages. */
import { queryCalls } from "../audit/index.ts";
import { cursorTimestamp, decodeCursor } from "./cursor.ts";
import type { ApiDeps } from "./deps.ts";
import { DEFAULT_PAGE_LIMIT, page, toPage } from "./list.ts";
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
        const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
        const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 2);
        const rows = await queryCalls(
          deps.store().db,
          {
            operation: query.operation,
            spoke: query.spoke,
            key: query.key,
            outcome: query.outcome,
            since: query.since === undefined ? undefined : new Date(query.since),
            until: query.until === undefined ? undefined : new Date(query.until),
          },
          limit + 1,
          cursor && [cursorTimestamp(cursor[0]!), cursor[1]!],
        );
        return toPage(
          rows,
          limit,
          (row) => row.key,
          (row) => row.item,
        );
      },
    }),
  ];
}
