import { describe, expect, test } from "bun:test";
import { matchesAnyGlob, matchesGlob } from "./globs.ts";

describe("matchesGlob", () => {
  test.each([
    ["*", "anything.at.all", true],
    ["*", "", true],
    ["fs.*", "fs.readFile", true],
    ["fs.*", "fs.", true],
    ["fs.*", "fsx.readFile", false],
    ["dev?", "dev1", true],
    ["dev?", "dev", false],
    ["dev?", "dev12", false],
    ["*.read*", "dev1.fs.readFile", true],
    ["a*b*c", "aXXbYYc", true],
    ["a*b*c", "aXXbYY", false],
    ["exact", "exact", true],
    ["exact", "exactly", false],
    ["Exact", "exact", false],
    ["a.b", "aXb", false],
    ["[a]", "[a]", true],
    ["[a]", "a", false],
    ["(x)+", "(x)+", true],
    ["**", "x", true],
  ])("%p vs %p → %p", (pattern, name, expected) => {
    expect(matchesGlob(pattern, name)).toBe(expected);
  });

  test("is fast on pathological patterns", () => {
    const started = performance.now();
    expect(matchesGlob("*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });

  test("matchesAnyGlob needs one match and refuses an empty list", () => {
    expect(matchesAnyGlob(["gpu-*", "dev?"], "dev1")).toBe(true);
    expect(matchesAnyGlob(["gpu-*"], "dev1")).toBe(false);
    expect(matchesAnyGlob([], "dev1")).toBe(false);
  });
});
