/**
 * Builds the release binaries and their checksums (not run in CI: about a minute and ~350 MB of output):
 *
 *   dist/release/alkhub-<version>-linux-x64-baseline   any x86-64 CPU (the default, and what the image ships)
 *   dist/release/alkhub-<version>-linux-x64-modern     x86-64 with AVX2 (Haswell and later)
 *   dist/release/alkhub-<version>-linux-arm64          64-bit ARM (Graviton, Ampere, Raspberry Pi 4/5 64-bit)
 *   dist/release/SHA256SUMS                            `sha256sum -c SHA256SUMS` format
 *
 * Each binary is built by scripts/build.ts (same flags as dist/alkhub), with the version from package.json and
 * the commit embedded, so `alkhub version` prints both. The Bun runtime of every target is fetched explicitly
 * from the npm registry (`npm pack @oven/bun-linux-…@<this bun's version>`) and passed with
 * --compile-executable-path: left to itself, `bun build --target=bun-linux-x64-modern` on an x64 host reuses
 * the running bun, which may be the baseline build (PITFALLS.md §7).
 *
 * Usage: bun scripts/release.ts [--out dist/release] [--commit <sha>] [--targets linux-x64-baseline,linux-arm64]
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { arch } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };

/** One release target: bun's --target name, the file-name suffix, the npm package holding its runtime. */
interface ReleaseTarget {
  suffix: string;
  bunTarget: string;
  runtimePackage: string;
  /** ELF e_machine of the result: 0x3e x86-64, 0xb7 AArch64. */
  elfMachine: number;
  /** Whether this machine can run the result (to check `alkhub version` for real). */
  runsHere: () => boolean;
}

const hasAvx2 = () => readFileSync("/proc/cpuinfo", "utf8").includes(" avx2");
const TARGETS: ReleaseTarget[] = [
  {
    suffix: "linux-x64-baseline",
    bunTarget: "bun-linux-x64-baseline",
    runtimePackage: "@oven/bun-linux-x64-baseline",
    elfMachine: 0x3e,
    runsHere: () => arch() === "x64",
  },
  {
    suffix: "linux-x64-modern",
    bunTarget: "bun-linux-x64-modern",
    runtimePackage: "@oven/bun-linux-x64",
    elfMachine: 0x3e,
    runsHere: () => arch() === "x64" && hasAvx2(),
  },
  {
    suffix: "linux-arm64",
    bunTarget: "bun-linux-arm64",
    runtimePackage: "@oven/bun-linux-aarch64",
    elfMachine: 0xb7,
    runsHere: () => arch() === "arm64",
  },
];

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "dist/release" },
    commit: { type: "string" },
    targets: { type: "string" },
  },
});

function run(cmd: string[], cwd?: string): string {
  const result = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(
      `release: '${cmd.join(" ")}' exited ${result.exitCode}: ${result.stderr.toString().trim()}`,
    );
  }
  return result.stdout.toString().trim();
}

/** The commit of the checkout, with "-dirty" when tracked files changed; the build refuses nothing, it warns. */
function releaseCommit(): string {
  if (values.commit) return values.commit;
  const commit = run(["git", "rev-parse", "--short=12", "HEAD"]);
  const dirty = run(["git", "status", "--porcelain", "--untracked-files=no"]) !== "";
  if (dirty) console.warn("release: WARNING: the working tree has changes; the commit is marked -dirty");
  return dirty ? `${commit}-dirty` : commit;
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** The runtime of one target at exactly this bun's version, from the npm registry, cached under `cacheDir`. */
function fetchRuntime(target: ReleaseTarget, cacheDir: string): string {
  const dir = join(cacheDir, `${basename(target.runtimePackage)}-${Bun.version}`);
  const binary = join(dir, "package", "bin", "bun");
  if (existsSync(binary)) return binary;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // npm checks the tarball against the registry's integrity hash.
  run(["npm", "pack", "--silent", `${target.runtimePackage}@${Bun.version}`, "--pack-destination", dir]);
  const tarball = readdirSync(dir).find((name) => name.endsWith(".tgz"));
  if (!tarball) throw new Error(`release: npm pack wrote no tarball for ${target.runtimePackage}`);
  run(["tar", "-xzf", tarball], dir);
  rmSync(join(dir, tarball));
  return binary;
}

function elfMachine(path: string): number {
  const head = readFileSync(path).subarray(0, 20);
  if (head.toString("latin1", 0, 4) !== "\x7fELF") throw new Error(`release: ${path} is not an ELF file`);
  return head.readUInt16LE(18);
}

const outDir = resolve(values.out!);
const version = pkg.version;
const commit = releaseCommit();
const wanted = values.targets?.split(",").map((s) => s.trim());
const targets = wanted ? TARGETS.filter((t) => wanted.includes(t.suffix)) : TARGETS;
if (wanted && targets.length !== wanted.length) {
  console.error(`release: --targets takes ${TARGETS.map((t) => t.suffix).join(", ")}; got ${values.targets}`);
  process.exit(64);
}
mkdirSync(outDir, { recursive: true });
const runtimeHashes = new Map<string, string>();
const files: string[] = [];

for (const target of targets) {
  const runtime = fetchRuntime(target, join(outDir, ".runtimes"));
  if (elfMachine(runtime) !== target.elfMachine)
    throw new Error(`release: the runtime in ${target.runtimePackage} is for another CPU`);
  runtimeHashes.set(target.suffix, sha256(runtime));
  const name = `alkhub-${version}-${target.suffix}`;
  const outfile = join(outDir, name);
  run([
    process.execPath,
    "scripts/build.ts",
    "--target",
    target.bunTarget,
    "--outfile",
    outfile,
    "--commit",
    commit,
    "--executable-path",
    runtime,
  ]);
  // The source map is embedded in the binary (--sourcemap); the copy beside it is not shipped.
  rmSync(`${outfile}.map`, { force: true });
  if (elfMachine(outfile) !== target.elfMachine)
    throw new Error(`release: ${name} was built for another CPU`);
  const expected = `alkhub ${version} (commit ${commit},`;
  if (target.runsHere()) {
    const printed = run([outfile, "version"]);
    if (!printed.startsWith(expected)) throw new Error(`release: ${name} version printed '${printed}'`);
    console.log(`${name}: ${printed}`);
  } else {
    // Cannot run it here: check that the commit is at least in the embedded bundle.
    if (!readFileSync(outfile).includes(commit)) throw new Error(`release: ${name} does not embed ${commit}`);
    console.log(`${name}: built (not runnable on this machine; commit ${commit} found in the bundle)`);
  }
  files.push(name);
}

const baseline = runtimeHashes.get("linux-x64-baseline");
if (baseline !== undefined && baseline === runtimeHashes.get("linux-x64-modern")) {
  console.warn(
    `release: WARNING: npm served byte-identical runtimes for x64 baseline and modern (sha256 ${baseline.slice(0, 16)}…): the -modern binary is a baseline build`,
  );
}
const sums = files.map((name) => `${sha256(join(outDir, name))}  ${name}`).join("\n");
writeFileSync(join(outDir, "SHA256SUMS"), `${sums}\n`);
console.log(`\n${sums}\nwrote ${join(outDir, "SHA256SUMS")} (bun ${Bun.version})`);
