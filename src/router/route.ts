import type { Identity } from "../auth/index.ts";
import type { Catalog, CatalogOperation, CatalogSpoke } from "../catalog/index.ts";
import { HubError } from "../protocol/index.ts";
import type { SpokeLink, SpokeLinks } from "./types.ts";

/** What routing reads from the catalog (the whole `Catalog` in the hub; a small fake in unit tests). */
export type RoutingCatalog = Pick<Catalog, "operation" | "spoke" | "canSee" | "canSeeOperation" | "canCall">;

/** Where a call goes, or why it cannot go anywhere. */
export type Route =
  | { ok: true; operation: CatalogOperation; link: SpokeLink }
  | { ok: false; error: HubError };

/** Whether a key may call an operation: the operation and its spoke, or the error to answer. */
export type Access =
  | { ok: true; operation: CatalogOperation; spoke: CatalogSpoke }
  | { ok: false; error: HubError };

/**
 * Routes a call to a spoke operation: a pure function of the name, the caller's key, the catalog and the local
 * connections. An operation the key may not see is reported as not found, so names do not leak; only a key
 * that sees an operation but lacks scope `call` hears `ACCESS_DENIED`. The two steps, `authorizeCall` and
 * `linkFor`, are also called one by one by a router that traces them as separate spans.
 */
export function routeCall(
  name: string,
  identity: Identity,
  catalog: RoutingCatalog,
  links: SpokeLinks,
): Route {
  const access = authorizeCall(name, identity, catalog);
  return access.ok ? linkFor(access.operation, access.spoke, links) : access;
}

/** The access step: the operation exists, the key sees it and may call it. */
export function authorizeCall(name: string, identity: Identity, catalog: RoutingCatalog): Access {
  const operation = catalog.operation(name);
  const spoke = operation && catalog.spoke(operation.spokeName);
  // Hidden (owner-only spoke, or outside the key's `operations` globs) answers exactly like missing.
  if (!operation || !spoke || !catalog.canSeeOperation(identity, operation)) {
    return { ok: false, error: new HubError("OPERATION_NOT_FOUND", `no operation named "${name}"`) };
  }
  if (!catalog.canCall(identity, operation)) {
    return { ok: false, error: new HubError("ACCESS_DENIED", `this key may not call "${name}"`) };
  }
  return { ok: true, operation, spoke };
}

/** The route step: the connection serving `spoke` (here or on another instance), if it can take a call now. */
export function linkFor(operation: CatalogOperation, spoke: CatalogSpoke, links: SpokeLinks): Route {
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
