import { expect, test } from "bun:test";
import { EndedSessions } from "./ended-sessions.ts";

test("an ended id is refused until its time runs out", () => {
  const ended = new EndedSessions(1000, 10);
  ended.add("a", 0);
  expect(ended.has("a", 999)).toBe(true);
  expect(ended.has("b", 999)).toBe(false);
  expect(ended.has("a", 1000)).toBe(false);
  // Forgotten for good once expired.
  expect(ended.has("a", 0)).toBe(false);
});

test("past the limit the oldest ids are forgotten first; adding again makes an id the newest", () => {
  const ended = new EndedSessions(1000, 2);
  ended.add("a", 0);
  ended.add("b", 0);
  ended.add("a", 1);
  ended.add("c", 2);
  expect(ended.has("b", 3)).toBe(false);
  expect(ended.has("a", 3)).toBe(true);
  expect(ended.has("c", 3)).toBe(true);
});
