import { expect, test } from "bun:test";
import { join } from "node:path";
import { readMigrations } from "../../scripts/gen-migrations.ts";
import { migrations } from "./migrations.gen.ts";

test("migrations.gen.ts matches drizzle/ exactly (run `bun run gen:migrations` when this fails)", () => {
  const fromDisk = readMigrations(join(import.meta.dir, "..", "..", "drizzle"));
  expect(fromDisk.length).toBeGreaterThan(0);
  expect(migrations).toEqual(fromDisk);
});

test("migrations are append-only in time order", () => {
  const times = migrations.map((m) => m.folderMillis);
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  expect(new Set(migrations.map((m) => m.tag)).size).toBe(migrations.length);
});
