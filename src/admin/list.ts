/**
 * The list conventions of the admin API: `?limit=` (1–500, default 50) and `?cursor=` (opaque), answered with
 * `{ items, nextCursor }`. A list asks its store for one row more than the limit to learn whether a next page
 * exists, without a count query.
 */
import { type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import { cursorTimestamp, decodeCursor, encodeCursor } from "./cursor.ts";
import { registerFormats } from "./formats.ts";

registerFormats();

/** Items per page unless `?limit=` says otherwise. */
export const DEFAULT_PAGE_LIMIT = 50;
/** Largest `?limit=`. */
export const MAX_PAGE_LIMIT = 500;

/** `limit` and `cursor`, the query parameters every list takes. */
export const PAGE_QUERY = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PAGE_LIMIT,
      description: `Items per page (default ${DEFAULT_PAGE_LIMIT}).`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 2048, description: "`nextCursor` of the previous page." }),
  ),
};

/** A list's query schema: its own filters plus `limit` and `cursor`. */
export function listQuery<T extends TProperties>(filters: T) {
  return Type.Object({ ...filters, ...PAGE_QUERY }, { additionalProperties: false });
}

/** `{ items: T[], nextCursor: string | null }`. */
export function page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: "Pass as `?cursor=` for the next page; null on the last page.",
    }),
  });
}

/** A page as sent: the items and the cursor of the last one when more follow. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Cuts `rows` (fetched with `limit + 1`) to a page: when there is one row more than `limit`, the cursor is the
 * sort key of the last row kept.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  cursorKey: (row: Row) => readonly string[],
  view: (row: Row) => Item,
): Page<Item> {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    items: kept.map(view),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(cursorKey(last)) : null,
  };
}

/** Where a list sorted newest first by (timestamp, id) resumes: the timestamp as Postgres text, and the id. */
export type TimeIdKey = readonly [position: string, id: string];

/**
 * One page of a list sorted newest first by (timestamp, id), the keyset every time-ordered admin list uses:
 * reads `?limit=` (default `DEFAULT_PAGE_LIMIT`) and `?cursor=` (checked: two parts, the first a Postgres
 * timestamp text), asks `fetch` for `limit + 1` rows after that key, and cuts them with `toPage`.
 */
export async function timeIdPage<Row, Item>(
  query: { limit?: number; cursor?: string },
  fetch: (limit: number, after: TimeIdKey | undefined) => Promise<Row[]>,
  cursorKey: (row: Row) => TimeIdKey,
  view: (row: Row) => Item,
): Promise<Page<Item>> {
  const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 2);
  const after: TimeIdKey | undefined = cursor && [cursorTimestamp(cursor[0] as string), cursor[1] as string];
  return toPage(await fetch(limit + 1, after), limit, cursorKey, view);
}

/** The `?since=`/`?until=` filters (ISO date-times, already checked by the schema) as `Date`s. */
export function timeWindow(query: { since?: string; until?: string }): { since?: Date; until?: Date } {
  return {
    since: query.since === undefined ? undefined : new Date(query.since),
    until: query.until === undefined ? undefined : new Date(query.until),
  };
}

/** An object schema whose unknown properties are refused (every request body and query of the API). */
export function strictObject<T extends TProperties>(properties: T, description?: string): TObject<T> {
  return Type.Object(properties, { additionalProperties: false, description });
}
