import { expect, test } from "bun:test";
import { createLogger } from "../log/index.ts";
import { type HandlerEntry, HandlerRegistry, HealthListeners } from "./handlers.ts";

const capture = () => {
  const lines: string[] = [];
  return { lines, log: createLogger({ sink: (line) => lines.push(line) }) };
};

test("the same handler added twice is two subscriptions, removed one at a time", () => {
  const { log } = capture();
  const registry = new HandlerRegistry(log);
  const got: string[] = [];
  const handler = (message: string) => void got.push(message);
  const first = registry.add("c", handler);
  const second = registry.add("c", handler);
  registry.deliver("c", "a");
  expect(got).toEqual(["a", "a"]);
  expect(registry.remove(first)).toBe(false);
  expect(registry.remove(first)).toBe(false);
  registry.deliver("c", "b");
  expect(got).toEqual(["a", "a", "b"]);
  expect(registry.remove(second)).toBe(true);
  expect(registry.has("c")).toBe(false);
});

test("during a delivery, a removed handler is skipped and an added one waits for the next message", () => {
  const { log } = capture();
  const registry = new HandlerRegistry(log);
  const got: string[] = [];
  let second: HandlerEntry | undefined;
  registry.add("c", () => {
    got.push("first");
    if (second) registry.remove(second);
    registry.add("c", () => void got.push("added"));
  });
  second = registry.add("c", () => void got.push("second"));
  registry.add("c", () => void got.push("third"));
  registry.deliver("c", "m");
  expect(got).toEqual(["first", "third"]);
});

test("a health listener that throws is logged and the others still hear the change", () => {
  const { lines, log } = capture();
  const listeners = new HealthListeners(log);
  const heard: boolean[] = [];
  listeners.add(() => {
    throw new Error("listener exploded");
  });
  const remove = listeners.add((healthy) => heard.push(healthy));
  listeners.emit(false);
  remove();
  listeners.emit(true);
  expect(heard).toEqual([false]);
  expect(lines).toHaveLength(2);
  expect(lines[0]).toContain("listener exploded");
});
