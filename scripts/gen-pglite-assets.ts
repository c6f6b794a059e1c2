/**
 * Writes zstd copies of PGlite's three runtime assets into src/store/pglite-assets/ (committed), with a manifest
 * of the originals' SHA-256. The binary embeds the compressed copies — about 11 MB smaller — and the embedded
 * store inflates them when it opens. A test fails when the copies no longer match the installed PGlite.
 * zstd at level 19 takes 1.2 MB more off than gzip at level 9 did (pglite.wasm 3.24 -> 2.70 MB, pglite.data
 * 1.85 -> 1.16 MB) and inflates no slower; it costs about half a minute here, once per PGlite version.
 * Usage: bun scripts/gen-pglite-assets.ts   (after changing the @electric-sql/pglite version)
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const SOURCE = join(import.meta.dir, "..", "node_modules", "@electric-sql", "pglite", "dist");
const TARGET = join(import.meta.dir, "..", "src", "store", "pglite-assets");
const ASSETS = ["pglite.wasm", "initdb.wasm", "pglite.data"];

const manifest: Record<string, string> = {};
for (const name of ASSETS) {
  const bytes = new Uint8Array(await Bun.file(join(SOURCE, name)).arrayBuffer());
  manifest[name] = createHash("sha256").update(bytes).digest("hex");
  writeFileSync(join(TARGET, `${name}.zst`), Bun.zstdCompressSync(bytes, { level: 19 }));
}
writeFileSync(join(TARGET, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`wrote ${ASSETS.length} compressed assets to ${TARGET}`);
