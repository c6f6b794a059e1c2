#!/usr/bin/env node
// Runs a Bun command with the Bun version pinned in package.json, installing that Bun (from the npm registry,
// into .tools/) and the locked dependencies first when they are missing. It lets the README's commands work on
// a machine that has only Node and npm: `npm start` and `npm test` both go through here.
// Usage: node scripts/bootstrap.mjs <bun arguments…>
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const version = /^bun@(.+)$/.exec(pkg.packageManager ?? "")?.[1];
if (!version) fail("package.json has no packageManager of the form bun@<version>");

function fail(message) {
  process.stderr.write(`bootstrap: ${message}\n`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, ...options });
  if (result.error) fail(`${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function bunVersionOf(path) {
  const result = spawnSync(path, ["--version"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The pinned Bun: one on PATH if its version matches, else the copy in .tools/ (installed on first use). */
function findBun() {
  if (bunVersionOf("bun") === version) return "bun";
  const prefix = join(root, ".tools", `bun-${version}`);
  const arch = process.arch === "arm64" ? "aarch64" : "x64";
  const candidates = [
    join(prefix, "node_modules", "bun", "bin", "bun.exe"),
    join(prefix, "node_modules", "@oven", `bun-${process.platform}-${arch}`, "bin", "bun"),
    join(prefix, "node_modules", "@oven", `bun-${process.platform}-${arch}-baseline`, "bin", "bun"),
  ];
  const usable = () =>
    candidates.find((c) => existsSync(c) && statSync(c).size > 1_000_000 && bunVersionOf(c) === version);
  let found = usable();
  if (found) return found;
  process.stderr.write(`bootstrap: installing bun@${version} into .tools/ …\n`);
  const status = run("npm", [
    "install",
    "--no-save",
    "--no-package-lock",
    "--no-audit",
    "--no-fund",
    "--prefix",
    prefix,
    `bun@${version}`,
  ]);
  if (status !== 0) fail(`npm install bun@${version} failed (exit ${status})`);
  found = usable();
  if (!found) fail(`bun@${version} was installed but no working binary was found under ${prefix}`);
  return found;
}

const bun = findBun();
// Install dependencies when node_modules is missing or older than the lockfile.
const lock = join(root, "bun.lock");
const marker = join(root, "node_modules", ".bun-tag");
const installed = existsSync(join(root, "node_modules")) && existsSync(marker);
if (!installed || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs)) {
  const status = run(bun, ["install", "--frozen-lockfile"]);
  if (status !== 0) fail(`bun install failed (exit ${status})`);
  spawnSync(process.execPath, ["-e", `require("fs").writeFileSync(${JSON.stringify(marker)}, "")`]);
}
const args = process.argv.slice(2);
// Put the pinned Bun first on PATH, under the name `bun` (npm's package calls it bun.exe), so that scripts and
// tests which spawn `bun` get the same one.
let env = process.env;
if (bun !== "bun") {
  const binDir = join(root, ".tools", "bin");
  mkdirSync(binDir, { recursive: true });
  const link = join(binDir, "bun");
  rmSync(link, { force: true });
  symlinkSync(bun, link);
  env = { ...process.env, PATH: `${binDir}:${process.env.PATH}` };
}
const status = run(bun, args, { env });
process.exit(status);
