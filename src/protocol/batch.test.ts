import { describe, expect, test } from "bun:test";
import { batchedFrames, joinFrames } from "./batch.ts";

describe("batched messages", () => {
  test("a message without a newline is one frame; with newlines, one frame a line, empty lines skipped", () => {
    expect(batchedFrames('{"a":1}')).toEqual(['{"a":1}']);
    expect(batchedFrames('{"a":1}\n{"b":2}\n')).toEqual(['{"a":1}', '{"b":2}']);
    expect(batchedFrames('\n{"a":1}\n\n{"b":2}')).toEqual(['{"a":1}', '{"b":2}']);
  });

  test("frames are joined in order into as few messages as the limit allows; a longer frame goes alone", () => {
    expect(joinFrames(["aa", "bb", "cc"], 100)).toEqual(["aa\nbb\ncc"]);
    // "aa\nbb" is 5 characters: a third frame would make 8.
    expect(joinFrames(["aa", "bb", "cc"], 5)).toEqual(["aa\nbb", "cc"]);
    expect(joinFrames(["a", "x".repeat(10), "b"], 5)).toEqual(["a", "x".repeat(10), "b"]);
    expect(joinFrames([], 5)).toEqual([]);
  });

  test("what joinFrames makes, batchedFrames reads back", () => {
    const frames = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ type: "call.responded", id: `r${i}` }),
    );
    const messages = joinFrames(frames, 300);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.every((message) => message.length <= 300)).toBe(true);
    expect(messages.flatMap(batchedFrames)).toEqual(frames);
  });
});
