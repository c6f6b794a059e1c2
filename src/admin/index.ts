/**
 * The HTTP API under `/api/v1` as one table of routes (`route.ts`): each resource's file exports its routes
 * and this list joins them. `http/` mounts the table; `openapi.ts` describes it. Adding a resource is one line
 * here.
 */
import { accountsRoutes } from "./accounts-routes.ts";
import { auditLogRoutes } from "./audit-log-routes.ts";
import { callsRoutes } from "./calls-routes.ts";
import { catalogRoutes } from "./catalog-routes.ts";
import { clientsRoutes } from "./clients-routes.ts";
import type { ApiDeps } from "./deps.ts";
import { eventsRoutes } from "./events-routes.ts";
import { instancesRoutes } from "./instances-routes.ts";
import { keysRoutes } from "./keys-routes.ts";
import { metaRoutes } from "./meta-routes.ts";
import type { AnyRoute } from "./route.ts";
import { secretsRoutes } from "./secrets-routes.ts";
import { spokesRoutes } from "./spokes-routes.ts";
import { statsRoutes } from "./stats-routes.ts";

export { actorName, auditActor, logAdminWrite } from "./audit.ts";
export { cursorTimestamp, decodeCursor, encodeCursor } from "./cursor.ts";
export type { ApiDeps } from "./deps.ts";
export { isDateTime, registerFormats } from "./formats.ts";
export {
  DEFAULT_PAGE_LIMIT,
  listQuery,
  MAX_PAGE_LIMIT,
  type Page,
  page,
  strictObject,
  toPage,
} from "./list.ts";
export { API_PREFIX, apiDocument } from "./meta-routes.ts";
export { type OpenApiInfo, openApiDocument, operationId, TAG_DESCRIPTIONS } from "./openapi.ts";
export { type ReferencePage, referencePage } from "./reference-page.ts";
export {
  type Actor,
  type AnyRoute,
  defineRoute,
  type Route,
  type RouteContext,
  type RouteMethod,
  type RouteScope,
} from "./route.ts";

/** Every route of `/api/v1`, in the order the reference lists them. */
export function apiRouteTable(deps: ApiDeps): AnyRoute[] {
  const routes: AnyRoute[] = [
    ...catalogRoutes(deps),
    ...keysRoutes(deps),
    ...accountsRoutes(deps),
    ...clientsRoutes(deps),
    ...secretsRoutes(deps),
    ...spokesRoutes(deps),
    ...callsRoutes(deps),
    ...auditLogRoutes(deps),
    ...instancesRoutes(deps),
    ...statsRoutes(deps),
    ...eventsRoutes(deps),
  ];
  // The description covers the whole table, itself included.
  routes.push(...metaRoutes(() => routes));
  return routes;
}
export type { SpokeOperationView, SpokeView } from "./spoke-views.ts";
