import { describe, expect, test } from "bun:test";
import { identity, spec, testIndex } from "../../tests/support/catalog-fixtures.ts";
import { HubError } from "../protocol/index.ts";
import { decodeCursor, encodeCursor, inNamespace, listOperations, listSpokes } from "./listing.ts";

const reader = identity(["read"]);

function names(output: { operations: { name: string }[] }): string[] {
  return output.operations.map((op) => op.name);
}

describe("list", () => {
  const index = testIndex([
    { name: "dev2", operations: [spec("fs.write"), spec("bash.exec")], live: false },
    { name: "dev1", operations: [spec("fs.readFile", { title: "Read", tags: ["files"] }), spec("fs.stat")] },
    { name: "dev10", operations: [spec("ping")] },
  ]);

  test("sorted by published name, with the spoke and its liveness", () => {
    const output = listOperations(index, reader, {});
    expect(names(output)).toEqual([
      "dev1.fs.readFile",
      "dev1.fs.stat",
      "dev10.ping",
      "dev2.bash.exec",
      "dev2.fs.write",
    ]);
    expect(output.nextCursor).toBeUndefined();
    expect(output.operations[0]).toEqual({
      name: "dev1.fs.readFile",
      type: "query",
      title: "Read",
      description: "does fs.readFile",
      tags: ["files"],
      spoke: { name: "dev1", live: true },
    });
    expect(output.operations[3]?.spoke).toEqual({ name: "dev2", live: false });
  });

  test("pages with an opaque cursor until the last page, which has none", () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = listOperations(index, reader, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.operations.length).toBeLessThanOrEqual(2);
      seen.push(...names(page));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(names(listOperations(index, reader, {})));
  });

  test("an exactly full last page has no next cursor", () => {
    expect(listOperations(index, reader, { limit: 5 }).nextCursor).toBeUndefined();
    expect(listOperations(index, reader, { limit: 4 }).nextCursor).toBe(encodeCursor("dev2.bash.exec"));
  });

  test("a cursor whose operation is gone still resumes after its name", () => {
    const page = listOperations(index, reader, { cursor: encodeCursor("dev1.fs.s") });
    expect(names(page)[0]).toBe("dev1.fs.stat");
  });

  test("namespace is a spoke name or a deeper prefix, matched on whole segments", () => {
    expect(names(listOperations(index, reader, { namespace: "dev1" }))).toEqual([
      "dev1.fs.readFile",
      "dev1.fs.stat",
    ]);
    expect(names(listOperations(index, reader, { namespace: "dev2.fs" }))).toEqual(["dev2.fs.write"]);
    expect(names(listOperations(index, reader, { namespace: "dev" }))).toEqual([]);
    expect(names(listOperations(index, reader, { namespace: "dev1.fs.stat" }))).toEqual(["dev1.fs.stat"]);
    expect(inNamespace("dev10.ping", "dev1")).toBe(false);
  });

  test("default limit is 100", () => {
    const many = testIndex([
      { name: "big", operations: Array.from({ length: 150 }, (_, i) => spec(`op${i}`)) },
    ]);
    const page = listOperations(many, reader, {});
    expect(page.operations).toHaveLength(100);
    expect(page.nextCursor).toBeDefined();
    expect(listOperations(many, reader, { cursor: page.nextCursor! }).operations).toHaveLength(50);
  });

  test("a cursor that is not ours is a VALIDATION_ERROR", () => {
    for (const bad of ["", "!!", "a b", `${encodeCursor("x")}=`]) {
      expect(() => decodeCursor(bad)).toThrow(HubError);
    }
    expect(() => listOperations(index, reader, { cursor: "%%%" })).toThrow(/cursor is not valid/);
    expect(decodeCursor(encodeCursor("dev1.fs.stat"))).toBe("dev1.fs.stat");
  });
});

describe("visibility and globs in listings", () => {
  const index = testIndex([
    { name: "pub", operations: [spec("fs.read"), spec("bash.exec")] },
    { name: "mine", operations: [spec("secret.get")], visibility: "owner", accountId: "acct-a" },
    { name: "theirs", operations: [spec("secret.get")], visibility: "owner", accountId: "acct-b" },
    { name: "empty", operations: [] },
  ]);

  test("owner spokes are listed only for keys of their account; admins see everything", () => {
    expect(names(listOperations(index, reader, {}))).toEqual([
      "mine.secret.get",
      "pub.bash.exec",
      "pub.fs.read",
    ]);
    expect(names(listOperations(index, identity(["read"], { accountId: "acct-b" }), {}))).toEqual([
      "pub.bash.exec",
      "pub.fs.read",
      "theirs.secret.get",
    ]);
    expect(
      listOperations(index, identity(["admin"], { accountId: "acct-z", operations: [] }), {}).operations,
    ).toHaveLength(4);
  });

  test("the key's operations globs filter what is listed", () => {
    const limited = identity(["call"], { operations: ["pub.fs.*", "mine.*"] });
    expect(names(listOperations(index, limited, {}))).toEqual(["mine.secret.get", "pub.fs.read"]);
  });

  test("a key with only the spoke scope sees nothing", () => {
    expect(listOperations(index, identity(["spoke"]), {}).operations).toEqual([]);
  });

  test("spokes(): visible spokes with their visible operation counts", () => {
    const limited = identity(["read"], { operations: ["pub.fs.*", "empty.*"] });
    expect(listSpokes(index.spokes(), limited)).toEqual([
      { name: "empty", live: true, operations: 0, visibility: "public" },
      { name: "pub", live: true, operations: 1, visibility: "public" },
    ]);
    expect(listSpokes(index.spokes(), reader).map((s) => [s.name, s.operations])).toEqual([
      ["empty", 0],
      ["mine", 1],
      ["pub", 2],
    ]);
    expect(listSpokes(index.spokes(), identity(["admin"])).map((s) => s.name)).toEqual([
      "empty",
      "mine",
      "pub",
      "theirs",
    ]);
  });
});
