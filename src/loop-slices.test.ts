import { expect, test } from "bun:test";
import { settleInSlices } from "./loop-slices.ts";

test("settleInSlices gives the event loop a turn between slices, and settles every item in order", async () => {
  const order: string[] = [];
  // Work that arrives while the slices are being settled (an I/O callback, a /health request).
  setImmediate(() => order.push("loop"));
  await settleInSlices([0, 1, 2, 3, 4, 5, 6], 3, (item, index) => order.push(`${item}@${index}`));
  expect(order).toEqual(["0@0", "1@1", "2@2", "loop", "3@3", "4@4", "5@5", "6@6"]);
});

test("one slice needs no turn of the loop", async () => {
  const order: string[] = [];
  setImmediate(() => order.push("loop"));
  await settleInSlices(["a", "b"], 3, (item) => order.push(item));
  expect(order).toEqual(["a", "b"]);
});
