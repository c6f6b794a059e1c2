/**
 * Builds the single executable `dist/alkhub` with the flags PITFALLS.md §7 recommends. Migrations, PGlite's
 * assets (see src/store/) and the dashboard (bundled by scripts/gen-ui.ts into src/ui/assets.gen.ts) are embedded, so the binary needs nothing beside it but its config and master key.
 * The JSON Schema meta-schema validators are generated first too (scripts/gen-meta-schemas.ts).
 * Usage: bun scripts/build.ts [--target bun-linux-x64-baseline] [--outfile dist/alkhub] [--commit <sha>]
 *          [--executable-path <bun runtime for the target>]
 *
 * --commit overrides the commit read from git (container builds have no .git); --executable-path is passed to
 * `bun build --compile-executable-path` so a release can pin the exact runtime of each target (scripts/release.ts).
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    target: { type: "string", default: "bun-linux-x64-baseline" },
    outfile: { type: "string", default: "dist/alkhub" },
    commit: { type: "string" },
    "executable-path": { type: "string" },
  },
});

/** The commit being built, or "unknown" outside a git checkout. */
function currentCommit(): string {
  try {
    const result = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { stderr: "ignore" });
    const commit = result.stdout.toString().trim();
    if (result.exitCode !== 0 || !commit) return "unknown";
    const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"])
      .stdout.toString()
      .trim();
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    // No git executable at all (e.g. the oven/bun image): same as building outside a checkout.
    return "unknown";
  }
}

const commit = values.commit?.trim() || currentCommit();
if (!/^[\w.+-]{1,64}$/.test(commit)) {
  console.error(`build: --commit must be 1 to 64 letters, digits or . _ + -, got "${commit}"`);
  process.exit(64);
}
const started = performance.now();
// Generated modules first: the dashboard's front end (src/ui/assets.gen.ts) and the meta-schema validators
// (src/catalog/meta-schemas.gen.ts), so the binary holds what the sources and the installed Ajv give.
for (const generator of ["scripts/gen-ui.ts", "scripts/gen-meta-schemas.ts"]) {
  const generated = Bun.spawnSync([process.execPath, generator], { stdout: "inherit", stderr: "inherit" });
  if (generated.exitCode !== 0) process.exit(generated.exitCode ?? 1);
}
const build = Bun.spawnSync(
  [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    "--sourcemap",
    "--bytecode",
    // main.ts imports the CLI dynamically: split, the entry chunk is tiny, so a `serve` that executes itself
    // again for its allocator setting (src/allocator.ts) loads the hub's code once, not twice (~15 vs ~45 ms).
    "--splitting",
    "--format=esm",
    `--target=${values.target}`,
    `--define=ALKHUB_BUILD_COMMIT=${JSON.stringify(commit)}`,
    ...(values["executable-path"] ? [`--compile-executable-path=${values["executable-path"]}`] : []),
    "src/main.ts",
    // The embedded store's worker is a second entrypoint: Bun embeds it and resolves
    // `new Worker("./store/embedded-worker.ts")` against the bundle's root, src/ (src/store/embedded-client.ts).
    "src/store/embedded-worker.ts",
    "--outfile",
    values.outfile!,
  ],
  { stdout: "inherit", stderr: "inherit" },
);
if (build.exitCode !== 0) process.exit(build.exitCode ?? 1);
const size = Bun.file(values.outfile!).size;
console.log(
  `built ${values.outfile} (${values.target}, commit ${commit}, ${(size / 1e6).toFixed(1)} MB) in ${Math.round(performance.now() - started)} ms`,
);
