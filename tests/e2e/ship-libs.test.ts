// alkhub-test: once
/**
 * The compiled binary runs on gcr.io/distroless/base-debian12 (PITFALLS.md §7): every shared library it loads
 * is one that image has, and no symbol needs a glibc newer than Debian 12's. No Docker engine is needed.
 */
import { describe, expect, test } from "bun:test";
import { requireBinary } from "../support/binary.ts";

/**
 * What distroless base-debian12 ships as shared libraries: Debian 12's glibc (package libc6 2.36, every .so it
 * installs) and libssl3. libstdc++ and libgcc_s are NOT in "base" (only in "cc"), and "static" has no glibc.
 */
const DISTROLESS_BASE_DEBIAN12_LIBS = new Set([
  // the kernel's virtual object, present everywhere
  "linux-vdso.so.1",
  // libc6 2.36 (Debian 12), amd64 and arm64 loaders
  "ld-linux-x86-64.so.2",
  "ld-linux-aarch64.so.1",
  "libBrokenLocale.so.1",
  "libanl.so.1",
  "libc.so.6",
  "libc_malloc_debug.so.0",
  "libdl.so.2",
  "libm.so.6",
  "libmemusage.so",
  "libmvec.so.1",
  "libnsl.so.1",
  "libnss_compat.so.2",
  "libnss_dns.so.2",
  "libnss_files.so.2",
  "libnss_hesiod.so.2",
  "libpcprofile.so",
  "libpthread.so.0",
  "libresolv.so.2",
  "librt.so.1",
  "libthread_db.so.1",
  "libutil.so.1",
  // libssl3
  "libssl.so.3",
  "libcrypto.so.3",
]);
/** Debian 12's glibc: a binary that needs a newer symbol version fails to start there. */
const DEBIAN12_GLIBC: [number, number] = [2, 36];

async function output(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { env: { LC_ALL: "C" }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}: ${stderr}`);
  return stdout;
}

const libName = (path: string) => path.split("/").at(-1) ?? path;

describe("dist/alkhub on distroless base-debian12", () => {
  test("ldd lists only libraries the base image has (no libstdc++, no libgcc_s)", async () => {
    const lines = (await output(["ldd", requireBinary()])).split("\n").filter((l) => l.trim() !== "");
    const libs = lines.map((line) => libName(line.trim().split(/\s+/)[0] ?? ""));
    expect(libs).toContain("libc.so.6");
    expect(lines.filter((l) => l.includes("not found"))).toEqual([]);
    expect(libs.filter((lib) => !DISTROLESS_BASE_DEBIAN12_LIBS.has(lib))).toEqual([]);
  });

  test("the ELF NEEDED entries are glibc only", async () => {
    const dynamic = await output(["readelf", "-d", requireBinary()]);
    const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.filter((lib) => !DISTROLESS_BASE_DEBIAN12_LIBS.has(lib))).toEqual([]);
    expect(needed.some((lib) => /libstdc\+\+|libgcc_s/.test(lib))).toBe(false);
  });

  test(`needs no glibc newer than Debian 12's ${DEBIAN12_GLIBC.join(".")}`, async () => {
    const versions = await output(["readelf", "-V", requireBinary()]);
    const required = [...versions.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(required.length).toBeGreaterThan(0);
    const newest = required.reduce((a, b) => (b[0]! > a[0]! || (b[0] === a[0] && b[1]! > a[1]!) ? b : a));
    const [major, minor] = DEBIAN12_GLIBC;
    expect(newest[0]! < major || (newest[0] === major && newest[1]! <= minor)).toBe(true);
  });
});
