import { expect, test } from "bun:test";
import { reconnectDelaySeconds } from "./postgres.ts";

test("a broken Postgres connection is reopened within half a second, however many attempts failed", () => {
  expect(reconnectDelaySeconds(0, () => 1)).toBeCloseTo(0.025);
  expect(reconnectDelaySeconds(2, () => 1)).toBeCloseTo(0.1);
  expect(reconnectDelaySeconds(50, () => 1)).toBe(0.5);
  expect(reconnectDelaySeconds(50, () => 0)).toBe(0.25);
});
