/**
 * The embedded data dir holds the whole database: it is made 0700 and every file in it 0600 (PGlite's bundle
 * arrives 0666), whatever an older version or a copy left there (issue #10 item 8).
 */
import { expect, test } from "bun:test";
import { chmodSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { silentLogger } from "../../src/log/index.ts";
import { openStore } from "../../src/store/index.ts";
import { writeHubFiles } from "../support/hub-files.ts";

function modes(dir: string, into = new Map<string, number>()): Map<string, number> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mode = (statSync(path).mode & 0o777).toString(8);
    into.set(mode, (into.get(mode) ?? 0) + 1);
    if (entry.isDirectory()) modes(path, into);
  }
  return into;
}

test("an embedded store leaves its data dir 0700 with files 0600", async () => {
  const files = await writeHubFiles({ mode: "embedded" });
  const dataDir = join(files.dir, "data");
  try {
    chmodSync(dataDir, 0o755);
    const store = await openStore({ embedded: { dataDir }, log: silentLogger, command: "modes test" });
    try {
      expect((statSync(dataDir).mode & 0o777).toString(8)).toBe("700");
      const found = modes(dataDir);
      expect([...found.keys()].sort()).toEqual(["600", "700"].filter((mode) => found.has(mode)));
      expect(found.get("600")).toBeGreaterThan(100);
    } finally {
      await store.close();
    }
  } finally {
    await files.cleanup();
  }
}, 180_000);
