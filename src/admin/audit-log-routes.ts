/** `/audit-logs` (scope admin): the admin audit (keys, secrets, spoke actions, failed logins), newest first. */
import { queryAuditLogs } from "../store/index.ts";
import { cursorTimestamp, decodeCursor } from "./cursor.ts";
import type { ApiDeps } from "./deps.ts";
import { DEFAULT_PAGE_LIMIT, page, toPage } from "./list.ts";
import { AuditLogItem, AuditLogListQuery } from "./live-schemas.ts";
import { type AnyRoute, defineRoute } from "./route.ts";

/** The audit-log routes. */
export function auditLogRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/audit-logs",
      summary: "List admin audit entries",
      description:
        "Newest first. Every admin write is here with its actor; so are failed authentications (auth.failure).",
      tag: "audit",
      scope: "admin",
      query: AuditLogListQuery,
      response: page(AuditLogItem),
      async handle({ query }) {
        const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
        const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 2);
        const rows = await queryAuditLogs(
          deps.store().db,
          {
            actor: query.actor,
            action: query.action,
            target: query.target,
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
