import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { HubError } from "@alkdev/hub/spoke";
import { buildFixtureTree, type FixtureTree } from "./fixture-tree.ts";
import { isInside, resolveInsideRoot } from "./resolve-path.ts";

let tree: FixtureTree;
beforeAll(async () => {
  tree = await buildFixtureTree();
});
afterAll(() => tree.remove());

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    return (error as HubError).code;
  }
  throw new Error("expected a refusal, got a resolved path");
}

describe("resolveInsideRoot refuses every escape", () => {
  const escapes: [string, string][] = [
    ["..", "the parent of the root"],
    ["../outside.txt", "a sibling file"],
    ["../../etc/passwd", "climbing twice"],
    ["/etc/passwd", "an absolute path"],
    [`${"/"}${"etc"}`, "another absolute path"],
    ["sub/../../outside.txt", "climbing through a subdirectory"],
    ["sub/deeper/../../../outside.txt", "climbing three levels"],
    ["link-outside-file", "a relative symlink to a file outside"],
    ["link-outside-abs", "an absolute symlink to a file outside"],
    ["link-outside-dir", "a symlink to a directory outside"],
    ["link-outside-dir/secret.txt", "a file below a symlinked directory outside"],
    ["link-outside-dir/missing.txt", "a missing file below a symlinked directory outside"],
    ["link-prefix", "a symlink to a sibling whose name starts like the root"],
    ["../root-evil/x.txt", "a sibling whose name starts like the root"],
    ["hello.txt\0", "a trailing NUL byte"],
    ["\0../outside.txt", "a leading NUL byte"],
    ["sub/\0/../../outside.txt", "a NUL byte in the middle"],
  ];
  for (const [path, what] of escapes) {
    test(`${JSON.stringify(path)} (${what})`, async () => {
      expect(await codeOf(resolveInsideRoot(tree.root, path))).toBe("PATH_OUTSIDE_ROOT");
    });
  }

  test("the refusal names the requested path but never the real location outside", async () => {
    try {
      await resolveInsideRoot(tree.root, "link-outside-file");
      throw new Error("not refused");
    } catch (error) {
      expect((error as Error).message).toContain('"link-outside-file"');
      expect((error as Error).message).not.toContain(tree.base);
    }
  });

  test("non-string input is refused, not coerced", async () => {
    expect(await codeOf(resolveInsideRoot(tree.root, undefined))).toBe("PATH_OUTSIDE_ROOT");
    expect(await codeOf(resolveInsideRoot(tree.root, ["hello.txt"]))).toBe("PATH_OUTSIDE_ROOT");
  });
});

describe("resolveInsideRoot treats encodings literally", () => {
  test("%2e%2e is a directory name, not ..", async () => {
    const resolved = await resolveInsideRoot(tree.root, "%2e%2e/inner.txt");
    expect(resolved.real).toBe(join(tree.root, "%2e%2e", "inner.txt"));
    expect(await codeOf(resolveInsideRoot(tree.root, "%2e%2e/outside.txt"))).toBe("NOT_FOUND");
    expect(await codeOf(resolveInsideRoot(tree.root, "%2e%2e/%2e%2e/outside.txt"))).toBe("NOT_FOUND");
    expect(await codeOf(resolveInsideRoot(tree.root, "..%2foutside.txt"))).toBe("NOT_FOUND");
    expect(await codeOf(resolveInsideRoot(tree.root, "%252e%252e/outside.txt"))).toBe("NOT_FOUND");
  });

  test("a backslash is a file-name character on POSIX, not a separator", async () => {
    expect(await codeOf(resolveInsideRoot(tree.root, "..\\outside.txt"))).toBe("NOT_FOUND");
  });
});

describe("resolveInsideRoot resolves legitimate paths", () => {
  test("files, directories and the root itself", async () => {
    expect(await resolveInsideRoot(tree.root, "hello.txt")).toEqual({
      real: join(tree.root, "hello.txt"),
      root: tree.root,
      relative: "hello.txt",
    });
    expect((await resolveInsideRoot(tree.root, "sub/nested.txt")).relative).toBe("sub/nested.txt");
    expect((await resolveInsideRoot(tree.root, "")).relative).toBe("");
    expect((await resolveInsideRoot(tree.root, ".")).relative).toBe("");
    expect((await resolveInsideRoot(tree.root, "./sub/")).relative).toBe("sub");
  });

  test(".. that stays inside the root is allowed", async () => {
    expect((await resolveInsideRoot(tree.root, "sub/../hello.txt")).relative).toBe("hello.txt");
    expect((await resolveInsideRoot(tree.root, "sub/deeper/../nested.txt")).relative).toBe("sub/nested.txt");
  });

  test("symlinks that stay inside resolve to their real target", async () => {
    expect((await resolveInsideRoot(tree.root, "link-inside")).relative).toBe("hello.txt");
    expect((await resolveInsideRoot(tree.root, "sub/link-up-inside")).relative).toBe("hello.txt");
    expect((await resolveInsideRoot(tree.root, "link-sub/nested.txt")).relative).toBe("sub/nested.txt");
  });

  test("a root given through a symlink works and still confines", async () => {
    const resolved = await resolveInsideRoot(tree.rootLink, "hello.txt");
    expect(resolved.real).toBe(join(tree.root, "hello.txt"));
    expect(await codeOf(resolveInsideRoot(tree.rootLink, "link-outside-file"))).toBe("PATH_OUTSIDE_ROOT");
  });

  test("missing paths inside are NOT_FOUND; loops are SYMLINK_LOOP", async () => {
    expect(await codeOf(resolveInsideRoot(tree.root, "missing.txt"))).toBe("NOT_FOUND");
    expect(await codeOf(resolveInsideRoot(tree.root, "sub/missing/deeper.txt"))).toBe("NOT_FOUND");
    expect(await codeOf(resolveInsideRoot(tree.root, "hello.txt/child"))).toBe("NOT_FOUND");
    expect(await codeOf(resolveInsideRoot(tree.root, "loop-a"))).toBe("SYMLINK_LOOP");
  });

  test("a root that does not exist is UNAVAILABLE", async () => {
    expect(await codeOf(resolveInsideRoot(join(tree.base, "no-such-root"), "x"))).toBe("UNAVAILABLE");
  });
});

test("isInside compares whole path segments", () => {
  expect(isInside("/srv/root", "/srv/root")).toBe(true);
  expect(isInside("/srv/root", "/srv/root/a/b")).toBe(true);
  expect(isInside("/srv/root", "/srv/root/..a")).toBe(true);
  expect(isInside("/srv/root", "/srv/root-evil/x")).toBe(false);
  expect(isInside("/srv/root", "/srv")).toBe(false);
  expect(isInside("/", "/etc/passwd")).toBe(true);
});
