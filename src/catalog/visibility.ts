/**
 * Who may see and call what (SECURITY.md › scopes, private spokes). Pure functions of the viewer's identity and
 * the index entries, so the hot path and the listing share one rule.
 */
import { hasScope, type Identity, matchesAnyGlob } from "../auth/index.ts";
import type { CatalogOperation, CatalogSpoke } from "./types.ts";

type Viewer = Pick<Identity, "accountId" | "scopes" | "operations">;

/** Admins see every spoke; an `owner` spoke only keys of its account; everyone else needs `read` or `call`. */
export function canSeeSpoke(viewer: Viewer, spoke: Pick<CatalogSpoke, "accountId" | "visibility">): boolean {
  if (viewer.scopes.includes("admin")) return true;
  if (spoke.visibility === "owner" && spoke.accountId !== viewer.accountId) return false;
  return hasScope(viewer, "read") || hasScope(viewer, "call");
}

/** Whether `op` appears in the viewer's listings: its spoke is visible and the key's `operations` globs match. */
export function canSeeOperation(
  viewer: Viewer,
  spoke: CatalogSpoke | undefined,
  op: CatalogOperation,
): boolean {
  if (viewer.scopes.includes("admin")) return true;
  return spoke !== undefined && canSeeSpoke(viewer, spoke) && matchesAnyGlob(viewer.operations, op.name);
}

/** Whether the viewer may call `op`: it may see it and has `call` (admins always may). */
export function canCallOperation(
  viewer: Viewer,
  spoke: CatalogSpoke | undefined,
  op: CatalogOperation,
): boolean {
  if (viewer.scopes.includes("admin")) return true;
  return hasScope(viewer, "call") && canSeeOperation(viewer, spoke, op);
}
