import { expect, test } from "bun:test";
import {
  HubError,
  isValidSegment,
  localOf,
  publishedName,
  spokeOf,
  validateOperationName,
  validateSpokeName,
} from "./index.ts";

test("segments: a letter first, then letters, digits, _ or -, at most 48 characters", () => {
  for (const ok of ["a", "fs", "test_simple_text", "A-b_9", `a${"b".repeat(47)}`])
    expect(isValidSegment(ok)).toBe(true);
  for (const bad of ["", "9a", "_a", "a.b", "a b", "é", `a${"b".repeat(48)}`])
    expect(isValidSegment(bad)).toBe(false);
});

test("operation names: one or more segments, at most 128 characters, naming the bad segment", () => {
  expect(validateOperationName("fs.readFile")).toEqual({ ok: true });
  expect(validateOperationName("test_simple_text")).toEqual({ ok: true });
  expect(validateOperationName("fs..read")).toEqual({
    ok: false,
    error: 'operation name "fs..read": segment 2 "" must match [A-Za-z][A-Za-z0-9_-]{0,47}',
  });
  expect(validateOperationName("")).toEqual({ ok: false, error: "operation name must not be empty" });
  const long = Array.from({ length: 5 }, () => "a".repeat(30)).join(".");
  expect(validateOperationName(long)).toEqual({
    ok: false,
    error: "operation name is 154 characters long; at most 128 allowed",
  });
});

test("spoke names: one segment, and `hub` in any case is reserved", () => {
  expect(validateSpokeName("dev1")).toEqual({ ok: true });
  expect(validateSpokeName("hub")).toEqual({ ok: false, error: 'spoke name "hub" is reserved' });
  expect(validateSpokeName("HUB").ok).toBe(false);
  expect(validateSpokeName("dev.1").ok).toBe(false);
});

test("publishedName joins and checks; spokeOf and localOf split", () => {
  expect(publishedName("dev1", "fs.readFile")).toBe("dev1.fs.readFile");
  expect(() => publishedName("hub", "x")).toThrow(HubError);
  expect(() => publishedName("d", `${"a".repeat(40)}.${"b".repeat(40)}.${"c".repeat(45)}`)).toThrow(
    "at most 128 allowed",
  );
  expect(spokeOf("dev1.fs.readFile")).toBe("dev1");
  expect(spokeOf("hub.list")).toBe("hub");
  expect(spokeOf("single")).toBeUndefined();
  expect(spokeOf(".x")).toBeUndefined();
  expect(spokeOf("9x.y")).toBeUndefined();
  expect(localOf("dev1.fs.readFile")).toBe("fs.readFile");
  expect(localOf("single")).toBeUndefined();
});
