/**
 * Builds the spoke SDK package in packages/sdk/ (`@alkdev/hub`, subpath `./spoke`): one ESM bundle for Node ≥ 22,
 * Bun, Deno and browsers (no TypeScript loader needed; TypeBox's runtime is bundled in, so it has no
 * dependencies), and `.d.ts` declarations beside it. `npm pack` in packages/sdk/ then makes the tarball.
 * Usage: bun scripts/build-sdk.ts
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const PACKAGE = join(ROOT, "packages", "sdk");
const DIST = join(PACKAGE, "dist");

rmSync(DIST, { recursive: true, force: true });

const bundle = await Bun.build({
  entrypoints: [join(ROOT, "src", "sdk", "index.ts")],
  // "browser" keeps Node and Bun built-ins out: the SDK uses only web globals (WebSocket, AbortController).
  target: "browser",
  format: "esm",
  // Optional peer: imported dynamically when the spoke's process has it (src/sdk/otel.ts), never bundled.
  external: ["@opentelemetry/api"],
  outdir: DIST,
  naming: "spoke.js",
  minify: false,
  sourcemap: "none",
});
if (!bundle.success) {
  for (const log of bundle.logs) console.error(log);
  process.exit(1);
}

const tsc = Bun.spawnSync([join(ROOT, "node_modules", ".bin", "tsc"), "-p", join(PACKAGE, "tsconfig.json")], {
  stdout: "inherit",
  stderr: "inherit",
});
if (tsc.exitCode !== 0) {
  console.error(`build-sdk: declarations failed (tsc exit ${tsc.exitCode})`);
  process.exit(1);
}

// Declarations keep the sources' `./x.ts` specifiers; consumers resolve `./x.js` to `./x.d.ts` everywhere.
const RELATIVE_TS = /((?:from|import)\s*\(?\s*["']\.{1,2}\/[^"']*?)\.ts(["'])/g;
for (const file of walk(join(DIST, "types"))) {
  if (!file.endsWith(".d.ts")) continue;
  writeFileSync(file, readFileSync(file, "utf8").replace(RELATIVE_TS, "$1.js$2"));
}

const version = (JSON.parse(readFileSync(join(PACKAGE, "package.json"), "utf8")) as { version: string })
  .version;
console.log(`build-sdk: packages/sdk/dist (@alkdev/hub ${version}: spoke.js + types/)`);

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
