import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import manifest from "./pglite-assets/manifest.json" with { type: "json" };

const INSTALLED = join(import.meta.dir, "..", "..", "node_modules", "@electric-sql", "pglite", "dist");

test("the compressed PGlite assets are those of the installed PGlite (run scripts/gen-pglite-assets.ts)", async () => {
  for (const [name, sha256] of Object.entries(manifest)) {
    const installed = new Uint8Array(await Bun.file(join(INSTALLED, name)).arrayBuffer());
    expect(createHash("sha256").update(installed).digest("hex")).toBe(sha256);
    const packed = Bun.zstdDecompressSync(
      new Uint8Array(await Bun.file(join(import.meta.dir, "pglite-assets", `${name}.zst`)).arrayBuffer()),
    );
    expect(createHash("sha256").update(packed).digest("hex")).toBe(sha256);
  }
});
