/**
 * `hub.list` and `hub.spokes`: what a viewer may see, sorted by name, paged with an opaque cursor.
 */

import type { Identity } from "../auth/index.ts";
import { matchesAnyGlob } from "../auth/index.ts";
import { HubError, type HubListInput, type HubListOutput, type OperationSummary } from "../protocol/index.ts";
import type { CatalogOperation, CatalogSpoke, SpokeListItem } from "./types.ts";
import { canSeeOperation, canSeeSpoke } from "./visibility.ts";

/** Page size of `hub.list` when the input names none. */
export const DEFAULT_LIST_LIMIT = 100;
/** Largest page of `hub.list`. */
export const MAX_LIST_LIMIT = 500;

/** The part of the index listings read. */
export interface ListingSource {
  /** Every operation, sorted by published name (code-unit order). */
  readonly sorted: readonly CatalogOperation[];
  spoke(name: string): CatalogSpoke | undefined;
}

/** Whether `name` is inside `namespace`: equal to it, or starting with `<namespace>.`. */
export function inNamespace(name: string, namespace: string | undefined): boolean {
  if (namespace === undefined) return true;
  return name.startsWith(namespace) && (name.length === namespace.length || name[namespace.length] === ".");
}

/** The cursor that resumes a listing after `name`. */
export function encodeCursor(name: string): string {
  return Buffer.from(name, "utf8").toString("base64url");
}

/** The last name a cursor points after; `HubError` `VALIDATION_ERROR` when it is not one of ours. */
export function decodeCursor(cursor: string): string {
  const name = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url").toString("utf8") : "";
  if (name.length === 0 || encodeCursor(name) !== cursor) {
    throw new HubError(
      "VALIDATION_ERROR",
      "cursor is not valid: pass back a nextCursor from an earlier list",
    );
  }
  return name;
}

/** The summary of one operation, as `hub.list` and `hub.search` return it. */
export function summarize(op: CatalogOperation, live: boolean): OperationSummary {
  const summary: OperationSummary = {
    name: op.name,
    type: op.spec.type,
    description: op.spec.description,
    spoke: { name: op.spokeName, live },
  };
  if (op.spec.title !== undefined) summary.title = op.spec.title;
  if (op.spec.tags !== undefined) summary.tags = op.spec.tags;
  return summary;
}

/** One page of the operations `viewer` may see, sorted by name. */
export function listOperations(source: ListingSource, viewer: Identity, input: HubListInput): HubListOutput {
  const limit = Math.min(Math.max(Math.trunc(input.limit ?? DEFAULT_LIST_LIMIT), 1), MAX_LIST_LIMIT);
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  const sorted = source.sorted;
  let index = after === undefined ? 0 : firstAfter(sorted, after);
  const operations: OperationSummary[] = [];
  let last: string | undefined;
  for (; index < sorted.length; index++) {
    const op = sorted[index]!;
    if (!inNamespace(op.name, input.namespace)) continue;
    const spoke = source.spoke(op.spokeName);
    if (!canSeeOperation(viewer, spoke, op)) continue;
    // One more visible item than the page holds: there is a next page.
    if (operations.length === limit) return { operations, nextCursor: encodeCursor(last!) };
    operations.push(summarize(op, spoke?.live ?? false));
    last = op.name;
  }
  return { operations };
}

/** Index of the first operation whose name sorts after `name`. */
function firstAfter(sorted: readonly CatalogOperation[], name: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]!.name <= name) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The spokes `viewer` may see, sorted by name, with how many of their operations it may see. For a key limited
 * by `operations` globs, a spoke none of whose operations it may see is left out (an empty spoke is shown when
 * a glob matches `<spoke>.`).
 */
export function listSpokes(spokes: Iterable<CatalogSpoke>, viewer: Identity): SpokeListItem[] {
  const admin = viewer.scopes.includes("admin");
  const items: SpokeListItem[] = [];
  for (const spoke of spokes) {
    if (!canSeeSpoke(viewer, spoke)) continue;
    let visible = 0;
    for (const op of spoke.operations.values()) if (canSeeOperation(viewer, spoke, op)) visible++;
    const shown =
      admin ||
      visible > 0 ||
      (spoke.operations.size === 0 && matchesAnyGlob(viewer.operations, `${spoke.name}.`));
    if (!shown) continue;
    const item: SpokeListItem = {
      name: spoke.name,
      live: spoke.live,
      operations: visible,
      visibility: spoke.visibility,
    };
    if (spoke.kind !== undefined) item.kind = spoke.kind;
    if (spoke.version !== undefined) item.version = spoke.version;
    if (spoke.connectedAt) item.connectedAt = spoke.connectedAt.toISOString();
    if (spoke.disconnectedAt) item.disconnectedAt = spoke.disconnectedAt.toISOString();
    items.push(item);
  }
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
