/** `/audit-logs` (scope admin): the admin audit (keys, secrets, spoke actions, failed logins), newest first. */
import { queryAuditLogs } from "../store/index.ts";
import type { ApiDeps } from "./deps.ts";
import { page, timeIdPage, timeWindow } from "./list.ts";
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
        const { actor, action, target, outcome } = query;
        const filter = { actor, action, target, outcome, ...timeWindow(query) };
        return timeIdPage(
          query,
          (limit, after) => queryAuditLogs(deps.store().db, filter, limit, after),
          (row) => row.key,
          (row) => row.item,
        );
      },
    }),
  ];
}
