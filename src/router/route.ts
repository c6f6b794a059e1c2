import type { Identity } from "../auth/index.ts";
import type { Catalog, CatalogOperation } from "../catalog/index.ts";
import { HubError } from "../protocol/index.ts";
import type { SpokeLink, SpokeLinks } from "./types.ts";

/** What routing reads from the catalog (the whole `Catalog` in the hub; a small fake in unit tests). */
export type RoutingCatalog = Pick<Catalog, "operation" | "spoke" | "canSee" | "canCall">;

/** Where a call goes, or why it cannot go anywhere. */
export type Route =
  | { ok: true; operation: CatalogOperation; link: SpokeLink }
  | { ok: false; error: HubError };

/**
 * Routes a call to a spoke operation: a pure function of the name, the caller's key, the catalog and the local
 * connections. An operation the key may not see is reported as not found, so names do not leak.
 */
export function routeCall(
  name: string,
  identity: Identity,
  catalog: RoutingCatalog,
  links: SpokeLinks,
): Route {
  const operation = catalog.operation(name);
  const spoke = operation && catalog.spoke(operation.spokeName);
  if (!operation || !spoke || !catalog.canSee(identity, spoke)) {
    return { ok: false, error: new HubError("OPERATION_NOT_FOUND", `no operation named "${name}"`) };
  }
  if (!catalog.canCall(identity, operation)) {
    return { ok: false, error: new HubError("ACCESS_DENIED", `this key may not call "${name}"`) };
  }
  const link = spoke.live && spoke.connectionId ? links.link(spoke) : undefined;
  if (!link) {
    return { ok: false, error: new HubError("SPOKE_UNAVAILABLE", `spoke "${spoke.name}" is not connected`) };
  }
  if (link.maxConcurrency !== undefined && link.inFlight >= link.maxConcurrency) {
    return {
      ok: false,
      error: new HubError("SPOKE_BUSY", `spoke "${spoke.name}" is running ${link.inFlight} calls, its limit`),
    };
  }
  return { ok: true, operation, link };
}
