// alkhub-test: once
/**
 * Release builds embed their version and commit: scripts/build.ts with --commit (what the Dockerfile and
 * scripts/release.ts pass, since a container build has no .git) produces a binary whose `alkhub version` prints
 * package.json's version and exactly that commit.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const VERSION = ((await Bun.file(join(ROOT, "package.json")).json()) as { version: string }).version;
const COMMIT = "0123456789ab-shiptest";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "alkhub-ship-version-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(cmd: string[]) {
  const proc = Bun.spawn(cmd, { cwd: ROOT, env: {}, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, exitCode };
}

test("a binary built with a known commit prints that version and commit", async () => {
  const outfile = join(dir, "alkhub");
  const build = await run([process.execPath, "scripts/build.ts", "--commit", COMMIT, "--outfile", outfile]);
  expect(build).toMatchObject({ exitCode: 0 });
  expect(build.stdout).toContain(`commit ${COMMIT}`);
  const version = await run([outfile, "version"]);
  expect(version.exitCode).toBe(0);
  expect(version.stdout.trim()).toBe(`alkhub ${VERSION} (commit ${COMMIT}, bun ${Bun.version})`);
}, 120_000);

test("the build refuses a commit that is not a plain identifier", async () => {
  const build = await run([
    process.execPath,
    "scripts/build.ts",
    "--commit",
    'x"; process.exit(1); "',
    "--outfile",
    join(dir, "never"),
  ]);
  expect(build.exitCode).toBe(64);
  expect(build.stderr).toContain("--commit must be");
  expect(await Bun.file(join(dir, "never")).exists()).toBe(false);
});
