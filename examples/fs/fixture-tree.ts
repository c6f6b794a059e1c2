/**
 * A temporary tree for the fs tests (not used by the spoke itself): a root with files, subdirectories and
 * symlinks pointing inside and outside, plus files outside the root that must never be readable.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Paths of a built tree; `remove()` deletes all of it. */
export interface FixtureTree {
  /** The temp dir holding everything (the root and the "outside" files). */
  base: string;
  /** The shared root. */
  root: string;
  /** A symlink to the root, to check that a symlinked root works. */
  rootLink: string;
  /** Bytes of `binary.bin`. */
  binary: Uint8Array;
  remove(): Promise<void>;
}

/** Content of `root/big.bin`, in bytes: twice `FIXTURE_MAX_BYTES`. */
export const FIXTURE_BIG_BYTES = 2048;
/** The `maxBytes` the tests use. */
export const FIXTURE_MAX_BYTES = 1024;

/** Builds the tree in a new temp directory. */
export async function buildFixtureTree(): Promise<FixtureTree> {
  const base = await realpath(await mkdtemp(join(tmpdir(), "alkhub-fs-example-")));
  const root = join(base, "root");
  const binary = new Uint8Array([0, 1, 2, 0xff, 0xfe, 10]);
  await mkdir(join(root, "sub", "deeper"), { recursive: true });
  await mkdir(join(root, "%2e%2e"));
  await mkdir(join(base, "outside-dir"));
  await mkdir(join(base, "root-evil"));
  await writeFile(join(base, "outside.txt"), "OUTSIDE SECRET\n");
  await writeFile(join(base, "outside-dir", "secret.txt"), "DIR SECRET\n");
  await writeFile(join(base, "root-evil", "x.txt"), "PREFIX SECRET\n");
  await writeFile(join(root, "hello.txt"), "hello world\n");
  await writeFile(join(root, "sub", "nested.txt"), "nested\n");
  await writeFile(join(root, "%2e%2e", "inner.txt"), "literal dots\n");
  await writeFile(join(root, "binary.bin"), binary);
  await writeFile(join(root, "big.bin"), new Uint8Array(FIXTURE_BIG_BYTES).fill(65));
  await writeFile(join(root, "exact.bin"), new Uint8Array(FIXTURE_MAX_BYTES).fill(66));
  await symlink("hello.txt", join(root, "link-inside"));
  await symlink("../hello.txt", join(root, "sub", "link-up-inside"));
  await symlink("sub", join(root, "link-sub"));
  await symlink("../outside.txt", join(root, "link-outside-file"));
  await symlink(join(base, "outside.txt"), join(root, "link-outside-abs"));
  await symlink("../outside-dir", join(root, "link-outside-dir"));
  await symlink("../root-evil/x.txt", join(root, "link-prefix"));
  await symlink("loop-b", join(root, "loop-a"));
  await symlink("loop-a", join(root, "loop-b"));
  const rootLink = join(base, "root-link");
  await symlink("root", rootLink);
  return { base, root, rootLink, binary, remove: () => rm(base, { recursive: true, force: true }) };
}
