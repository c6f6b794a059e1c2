import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { buildOperationSpecs, HubError } from "@alkdev/hub/spoke";
import { fakeCallContext } from "../shared/index.ts";
import { buildFixtureTree, FIXTURE_BIG_BYTES, FIXTURE_MAX_BYTES, type FixtureTree } from "./fixture-tree.ts";
import type { DirEntry } from "./list-dir.ts";
import { createFsOperations } from "./operations.ts";

let tree: FixtureTree;
let ops: ReturnType<typeof createFsOperations>;
beforeAll(async () => {
  tree = await buildFixtureTree();
  ops = createFsOperations({ root: tree.root, maxBytes: FIXTURE_MAX_BYTES, maxEntries: 100 });
});
afterAll(() => tree.remove());

const read = (input: { path: string; encoding?: "utf8" | "base64" }) =>
  Promise.resolve(ops["fs.read"].handler(input, fakeCallContext("fs.read").ctx));
const list = (input: { path?: string }) =>
  Promise.resolve(ops["fs.list"].handler(input, fakeCallContext("fs.list").ctx));

async function refusal(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    return error as HubError;
  }
  throw new Error("expected the call to fail");
}

describe("fs.read", () => {
  test("reads text and binary files", async () => {
    expect(await read({ path: "hello.txt" })).toEqual({
      content: "hello world\n",
      encoding: "utf8",
      size: 12,
    });
    expect(await read({ path: "sub/nested.txt", encoding: "utf8" })).toEqual({
      content: "nested\n",
      encoding: "utf8",
      size: 7,
    });
    const binary = await read({ path: "binary.bin", encoding: "base64" });
    expect(binary).toEqual({
      content: Buffer.from(tree.binary).toString("base64"),
      encoding: "base64",
      size: tree.binary.length,
    });
  });

  test("follows symlinks that stay inside, and reads literal %2e%2e names", async () => {
    expect((await read({ path: "link-inside" })).content).toBe("hello world\n");
    expect((await read({ path: "link-sub/nested.txt" })).content).toBe("nested\n");
    expect((await read({ path: "%2e%2e/inner.txt" })).content).toBe("literal dots\n");
  });

  const escapes = [
    "..",
    "../outside.txt",
    "../../etc/passwd",
    "/etc/passwd",
    "sub/../../outside.txt",
    "link-outside-file",
    "link-outside-abs",
    "link-outside-dir/secret.txt",
    "link-prefix",
    "hello.txt\0",
  ];
  for (const path of escapes) {
    test(`refuses ${JSON.stringify(path)} with PATH_OUTSIDE_ROOT and no content`, async () => {
      const error = await refusal(read({ path }));
      expect(error.code).toBe("PATH_OUTSIDE_ROOT");
      expect(error.message).not.toContain("SECRET");
    });
  }

  test("%2e%2e is not decoded: it cannot reach the outside file", async () => {
    expect((await refusal(read({ path: "%2e%2e/outside.txt" }))).code).toBe("NOT_FOUND");
    expect((await refusal(read({ path: "%2e%2e%2foutside.txt" }))).code).toBe("NOT_FOUND");
  });

  test("enforces the size cap: exactly max-bytes passes, more is FILE_TOO_LARGE", async () => {
    expect((await read({ path: "exact.bin" })).size).toBe(FIXTURE_MAX_BYTES);
    const error = await refusal(read({ path: "big.bin" }));
    expect(error.code).toBe("FILE_TOO_LARGE");
    expect(error.details).toEqual({ size: FIXTURE_BIG_BYTES, maxBytes: FIXTURE_MAX_BYTES });
    const tight = createFsOperations({ root: tree.root, maxBytes: 5 });
    const tightError = await refusal(
      Promise.resolve(tight["fs.read"].handler({ path: "hello.txt" }, fakeCallContext().ctx)),
    );
    expect(tightError.code).toBe("FILE_TOO_LARGE");
  });

  test("missing files, directories and FIFOs are refused with their own codes", async () => {
    expect((await refusal(read({ path: "missing.txt" }))).code).toBe("NOT_FOUND");
    expect((await refusal(read({ path: "sub" }))).code).toBe("NOT_A_FILE");
    const fifo = join(tree.root, "fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    expect((await refusal(read({ path: "fifo" }))).code).toBe("NOT_A_FILE");
  });
});

describe("fs.list", () => {
  test("lists the root with types and sizes, symlinks not followed, sorted by name", async () => {
    const { entries, truncated } = await list({});
    expect(truncated).toBe(false);
    const byName = new Map(entries.map((entry) => [entry.name, entry]));
    expect(byName.get("hello.txt")).toEqual({ name: "hello.txt", type: "file", size: 12 });
    expect(byName.get("sub")?.type).toBe("dir");
    expect(byName.get("link-outside-dir")?.type).toBe("symlink");
    expect(byName.get("link-outside-file")).toEqual({
      name: "link-outside-file",
      type: "symlink",
      size: "../outside.txt".length,
    });
    const names = entries.map((entry) => entry.name);
    expect(names).toEqual([...names].sort());
    expect(names.sort()).toEqual((await readdir(tree.root)).sort());
  });

  test("lists subdirectories, through inside symlinks too", async () => {
    const expected: DirEntry[] = [
      { name: "deeper", type: "dir", size: (await stat(join(tree.root, "sub", "deeper"))).size },
      { name: "link-up-inside", type: "symlink", size: "../hello.txt".length },
      { name: "nested.txt", type: "file", size: 7 },
    ];
    expect((await list({ path: "sub" })).entries).toEqual(expected);
    expect((await list({ path: "link-sub" })).entries).toEqual(expected);
    expect((await list({ path: "." })).entries.length).toBe((await list({ path: "" })).entries.length);
  });

  for (const path of ["..", "../..", "/etc", "sub/../..", "link-outside-dir", "link-outside-dir/.", "\0"]) {
    test(`refuses ${JSON.stringify(path)} with PATH_OUTSIDE_ROOT`, async () => {
      expect((await refusal(list({ path }))).code).toBe("PATH_OUTSIDE_ROOT");
    });
  }

  test("a file is NOT_A_DIRECTORY and a missing path NOT_FOUND", async () => {
    expect((await refusal(list({ path: "hello.txt" }))).code).toBe("NOT_A_DIRECTORY");
    expect((await refusal(list({ path: "nope" }))).code).toBe("NOT_FOUND");
  });

  test("truncates after maxEntries", async () => {
    await mkdir(join(tree.root, "many"));
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => Bun.write(join(tree.root, "many", `f${i}.txt`), `${i}`)),
    );
    const small = createFsOperations({ root: tree.root, maxEntries: 3 });
    const result = await small["fs.list"].handler({ path: "many" }, fakeCallContext().ctx);
    expect(result).toEqual({
      entries: ["f0.txt", "f1.txt", "f2.txt"].map((name) => ({ name, type: "file", size: 1 })),
      truncated: true,
    });
  });
});

describe("the fs spoke is read-only and well formed", () => {
  test("both operations register as read-only queries with a description", () => {
    const specs = buildOperationSpecs("fs", ops);
    expect(specs.map((spec) => [spec.name, spec.type, spec.annotations?.readOnly])).toEqual([
      ["fs.list", "query", true],
      ["fs.read", "query", true],
    ]);
    for (const spec of specs) expect(spec.description.length).toBeGreaterThan(50);
  });

  test("the files that were read are unchanged", async () => {
    expect(await readFile(join(tree.base, "outside.txt"), "utf8")).toBe("OUTSIDE SECRET\n");
    expect(await readFile(join(tree.root, "hello.txt"), "utf8")).toBe("hello world\n");
  });

  test("bad options are refused when the operations are built", () => {
    expect(() => createFsOperations({ root: tree.root, maxBytes: -1 })).toThrow("options.maxBytes");
    expect(() => createFsOperations({ root: tree.root, maxEntries: 1.5 })).toThrow("options.maxEntries");
  });
});
