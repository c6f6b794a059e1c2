import { expect, test } from "bun:test";
import { decodeCursor } from "./cursor.ts";
import { toPage } from "./list.ts";

const rows = [1, 2, 3, 4, 5].map((n) => ({ at: `t${n}`, id: `id${n}` }));
const key = (row: { at: string; id: string }) => [row.at, row.id];
const view = (row: { id: string }) => row.id;

test("a page of limit rows carries the cursor of its last row when one more was fetched", () => {
  const page = toPage(rows.slice(0, 3), 2, key, view);
  expect(page.items).toEqual(["id1", "id2"]);
  expect(decodeCursor(page.nextCursor as string, 2)).toEqual(["t2", "id2"]);
});

test("the last page (no extra row) has no cursor; an empty one neither", () => {
  expect(toPage(rows.slice(0, 2), 2, key, view)).toEqual({ items: ["id1", "id2"], nextCursor: null });
  expect(toPage([], 50, key, view)).toEqual({ items: [], nextCursor: null });
});
