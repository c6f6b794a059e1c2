/**
 * `/spokes`: what spokes there are (scope any: what the key may see; admins see every spoke the catalog holds,
 * offline ones included) and an operator's actions on a spoke name, wherever in the cluster it is connected:
 * disconnect (it reconnects), disable (refused at registration, live connection closed with 4403 on every
 * instance) and enable.
 */

import { HubError } from "../protocol/index.ts";
import { writeAuditRow } from "../store/index.ts";
import { auditActor, logAdminWrite } from "./audit.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { ApiDeps } from "./deps.ts";
import { DEFAULT_PAGE_LIMIT, page } from "./list.ts";
import { DisconnectResult, SpokeDetail, SpokeListQuery, SpokeNameParams, SpokeView } from "./live-schemas.ts";
import { type Actor, type AnyRoute, defineRoute } from "./route.ts";
import { listSpokeViews, type SpokeViewSources, spokeDetail, spokeView } from "./spoke-views.ts";

const TAG = "spokes";

/** The spokes routes. */
export function spokesRoutes(deps: ApiDeps): AnyRoute[] {
  const sources = (): SpokeViewSources => {
    const parts = deps.parts();
    return { catalog: parts.catalog, session: (name) => parts.gateway.session(name), store: deps.store() };
  };
  /** Writes the audit row and the log line of a disconnect (no store change to share a transaction with). */
  const audit = async (actor: Actor, action: string, name: string, details: Record<string, unknown>) => {
    logAdminWrite(deps.log(), actor, action, name, details);
    await writeAuditRow(deps.store().db, {
      action,
      target: name,
      outcome: "ok",
      actor: auditActor(actor),
      details,
    });
  };
  const toggle =
    (disabled: boolean) =>
    async ({ params, actor }: { params: { name: string }; actor: Actor }) => {
      // The audit row is written with the change, in its transaction.
      const spoke = await deps.parts().spokeControl.setDisabled(params.name, disabled, auditActor(actor));
      logAdminWrite(deps.log(), actor, disabled ? "spoke.disable" : "spoke.enable", params.name);
      return spokeView(
        spoke,
        spoke.operations.size,
        deps.parts().gateway.session(spoke.name),
        null,
        Date.now(),
      );
    };

  return [
    defineRoute({
      method: "GET",
      path: "/spokes",
      summary: "List spokes",
      description:
        "By name. Any key: the spokes it may see. Admin keys: every spoke the hub knows, offline and disabled ones included.",
      tag: TAG,
      scope: "any",
      query: SpokeListQuery,
      response: page(SpokeView),
      async handle({ query, actor }) {
        const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
        const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 1)[0];
        const views = await listSpokeViews(sources(), actor.identity, {
          status: query.status ?? "all",
          after,
          limit: limit + 1,
        });
        const items = views.slice(0, limit);
        const last = items.at(-1);
        return { items, nextCursor: views.length > limit && last ? encodeCursor([last.name]) : null };
      },
    }),
    defineRoute({
      method: "GET",
      path: "/spokes/{name}",
      summary: "Show a spoke with its operations",
      tag: TAG,
      scope: "any",
      params: SpokeNameParams,
      response: SpokeDetail,
      async handle({ params, actor }) {
        const detail = await spokeDetail(sources(), actor.identity, params.name);
        if (!detail) throw new HubError("OPERATION_NOT_FOUND", `no spoke named "${params.name}"`);
        return detail;
      },
    }),
    defineRoute({
      method: "POST",
      path: "/spokes/{name}/disconnect",
      summary: "Disconnect a spoke",
      description:
        "Closes its live connection (close code 1000) on whichever instance holds it; the spoke's SDK reconnects. Not connected anywhere: disconnected is false.",
      tag: TAG,
      scope: "admin",
      params: SpokeNameParams,
      response: DisconnectResult,
      async handle({ params, actor }) {
        const result = await deps.parts().spokeControl.disconnect(params.name);
        await audit(actor, "spoke.disconnect", params.name, { ...result });
        return { name: params.name, ...result };
      },
    }),
    defineRoute({
      method: "POST",
      path: "/spokes/{name}/disable",
      summary: "Disable a spoke name",
      description:
        "Registrations under the name are refused (ACCESS_DENIED, details.reason SPOKE_DISABLED, close 4403) and its live connection is closed with 4403 on every instance, until it is enabled again.",
      tag: TAG,
      scope: "admin",
      params: SpokeNameParams,
      response: SpokeView,
      handle: toggle(true),
    }),
    defineRoute({
      method: "POST",
      path: "/spokes/{name}/enable",
      summary: "Enable a disabled spoke name",
      tag: TAG,
      scope: "admin",
      params: SpokeNameParams,
      response: SpokeView,
      handle: toggle(false),
    }),
  ];
}
