import { expect, test } from "bun:test";
import { isStoreOutage } from "./outage.ts";

const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });

test("connection failures are outages, also wrapped in a cause chain", () => {
  for (const code of [
    "ECONNREFUSED",
    "CONNECTION_CLOSED",
    "CONNECT_TIMEOUT",
    "08006",
    "57P01",
    "57P03",
    "53300",
  ]) {
    expect(isStoreOutage(withCode(code))).toBe(true);
    expect(isStoreOutage(new Error("Failed query: select 1", { cause: withCode(code) }))).toBe(true);
  }
  expect(isStoreOutage(new Error("PGlite is closed"))).toBe(true);
});

test("a refused statement or bad data is not an outage", () => {
  for (const code of ["23505", "22P02", "42P01", "40001"]) expect(isStoreOutage(withCode(code))).toBe(false);
  expect(isStoreOutage(new RangeError("bad"))).toBe(false);
  expect(isStoreOutage("ECONNREFUSED")).toBe(false);
});
