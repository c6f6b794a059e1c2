import { describe, expect, test } from "bun:test";
import { identity, spec, testIndex } from "../../tests/support/catalog-fixtures.ts";
import type { HubSearchInput } from "../protocol/index.ts";
import { SEARCH_SCORES, scoreWord, searchDocument, searchOperations } from "./search.ts";

const reader = identity(["read"]);

const index = testIndex([
  {
    name: "dev1",
    operations: [
      spec("fs.readFile", {
        title: "Read a file",
        tags: ["files"],
        description: "Returns the text of a file.",
      }),
      spec("fs.writeFile", { title: "Write a file", tags: ["files"], description: "Writes text." }),
      spec("bash.exec", {
        title: "Run a command",
        tags: ["shell"],
        description: "Runs bash; can read files.",
      }),
      spec("notes", { title: "Notes", description: "Keeps notes, with readFile-like access." }),
      spec("term.open", { title: "Shell terminal" }),
      spec("ssh", { description: "Opens a remote shell." }),
    ],
  },
  { name: "old", operations: [spec("fs.readFile", { title: "Read a file", tags: ["files"] })], live: false },
  { name: "gpu", operations: [spec("infer", { title: "Inference", tags: ["ml", "Read"] })] },
]);

function search(input: HubSearchInput, viewer = reader): string[] {
  return searchOperations(index, viewer, input, searchDocument).operations.map((op) => op.name);
}

describe("search ranking", () => {
  test("field weights: exact name > name prefix/segment > name substring > title > tags > description", () => {
    const doc = searchDocument(index.operation("dev1.fs.readFile")!);
    expect(scoreWord(doc, "dev1.fs.readfile")).toBe(SEARCH_SCORES.exactName);
    expect(scoreWord(doc, "fs.readfile")).toBe(SEARCH_SCORES.exactName);
    expect(scoreWord(doc, "readf")).toBe(SEARCH_SCORES.namePrefix);
    expect(scoreWord(doc, "file")).toBe(SEARCH_SCORES.nameSubstring);
    expect(scoreWord(doc, "a")).toBe(SEARCH_SCORES.nameSubstring);
    expect(scoreWord(doc, "files")).toBe(SEARCH_SCORES.tag);
    expect(scoreWord(doc, "text")).toBe(SEARCH_SCORES.description);
    expect(scoreWord(doc, "zebra")).toBe(0);
    const titled = searchDocument(index.operation("dev1.bash.exec")!);
    expect(scoreWord(titled, "command")).toBe(SEARCH_SCORES.title);
    expect(SEARCH_SCORES.exactName).toBeGreaterThan(SEARCH_SCORES.namePrefix);
    expect(SEARCH_SCORES.title).toBeGreaterThan(SEARCH_SCORES.tag);
    expect(SEARCH_SCORES.tag).toBeGreaterThan(SEARCH_SCORES.description);
  });

  test("an exact published name ranks first among live spokes; case does not matter", () => {
    expect(search({ query: "DEV1.FS.READFILE" })[0]).toBe("dev1.fs.readFile");
  });

  test("name matches beat title, tags and description; live spokes come first", () => {
    expect(search({ query: "readfile" })).toEqual(["dev1.fs.readFile", "dev1.notes", "old.fs.readFile"]);
  });

  test("title beats tags beats description; ties keep name order", () => {
    expect(search({ query: "shell" })).toEqual(["dev1.term.open", "dev1.bash.exec", "dev1.ssh"]);
    expect(search({ query: "read" })).toEqual([
      "dev1.fs.readFile", // a name segment starts with it
      "gpu.infer", // a tag
      "dev1.bash.exec", // description, tied with the next: name order
      "dev1.notes",
      "old.fs.readFile", // the best match, but its spoke is offline
    ]);
  });

  test("every query word must match somewhere", () => {
    expect(search({ query: "write file" })).toEqual(["dev1.fs.writeFile"]);
    expect(search({ query: "read zebra" })).toEqual([]);
    expect(search({ query: "   " })).toEqual([]);
  });

  test("namespace and limit (default 20, at most 50) apply", () => {
    expect(search({ query: "file", namespace: "old" })).toEqual(["old.fs.readFile"]);
    expect(search({ query: "a", limit: 2 })).toHaveLength(2);
    const big = testIndex([
      { name: "big", operations: Array.from({ length: 80 }, (_, i) => spec(`op${i}`)) },
    ]);
    const found = (limit?: number) =>
      searchOperations(big, reader, { query: "op", ...(limit ? { limit } : {}) }, searchDocument).operations;
    expect(found()).toHaveLength(20);
    expect(found(500)).toHaveLength(50);
  });

  test("only what the viewer may see is searched", () => {
    expect(search({ query: "file" }, identity(["call"], { operations: ["old.*"] }))).toEqual([
      "old.fs.readFile",
    ]);
    expect(search({ query: "file" }, identity(["spoke"]))).toEqual([]);
  });
});
