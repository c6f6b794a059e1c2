import { describe, expect, test } from "bun:test";
import { UnavailableError } from "../errors.ts";
import { isRowError, isStoreUnavailable, sqlStateOf, storeErrorReason } from "./errors.ts";

const coded = (code: string, message = "x") => Object.assign(new Error(message), { code });

test("a refused or broken connection, a passed deadline or a server going away is an outage", () => {
  expect(isStoreUnavailable(coded("ECONNREFUSED"))).toBe(true);
  expect(isStoreUnavailable(coded("CONNECTION_CLOSED"))).toBe(true);
  expect(isStoreUnavailable(new UnavailableError("Postgres did not answer within 3000 ms"))).toBe(true);
  expect(isStoreUnavailable(coded("57P01"))).toBe(true);
  expect(isStoreUnavailable(coded("08006"))).toBe(true);
  // Drizzle wraps the driver's error ("Failed query: …") with the driver's as its cause.
  expect(isStoreUnavailable(new Error("Failed query: select 1", { cause: coded("ECONNRESET") }))).toBe(true);
});

test("a statement the database refused, or anything else, is not", () => {
  expect(isStoreUnavailable(coded("23505"))).toBe(false);
  expect(isStoreUnavailable(coded("42P01"))).toBe(false);
  expect(isStoreUnavailable(new Error("bug"))).toBe(false);
  expect(isStoreUnavailable("text")).toBe(false);
});

test("a log line gets the driver's reason, not the statement Drizzle wraps it in", () => {
  const wrapped = new Error('Failed query: select "id" from "spokes" where name = $1\nparams: dev1', {
    cause: coded("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"),
  });
  expect(storeErrorReason(wrapped)).toBe("connect ECONNREFUSED 127.0.0.1:5432");
  expect(storeErrorReason(new Error("plain"))).toBe("plain");
});

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
    expect(isStoreUnavailable(coded(code))).toBe(true);
    expect(isStoreUnavailable(new Error("Failed query: select 1", { cause: coded(code) }))).toBe(true);
  }
  expect(isStoreUnavailable(new Error("PGlite is closed"))).toBe(true);
});

test("a refused statement or bad data is not an outage", () => {
  for (const code of ["23505", "22P02", "42P01", "40001"])
    expect(isStoreUnavailable(coded(code))).toBe(false);
  expect(isStoreUnavailable(new RangeError("bad"))).toBe(false);
  expect(isStoreUnavailable("ECONNREFUSED")).toBe(false);
});

describe("database error classification", () => {
  const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
  const wrapped = (cause: Error) =>
    Object.assign(new Error("Failed query: insert into calls … params: …."), { query: "insert", cause });

  test("finds the SQLSTATE through Drizzle's wrapper and ignores connection error codes", () => {
    expect(sqlStateOf(wrapped(pgError("23514")))).toBe("23514");
    expect(sqlStateOf(pgError("ECONNREFUSED"))).toBeUndefined();
    expect(sqlStateOf("not an error")).toBeUndefined();
  });

  test("data and integrity errors are row errors; missing tables and lost connections are not", () => {
    expect(isRowError(wrapped(pgError("22021")))).toBe(true);
    expect(isRowError(pgError("23514"))).toBe(true);
    expect(isRowError(wrapped(pgError("42P01")))).toBe(false);
    expect(isRowError(pgError("CONNECTION_CLOSED"))).toBe(false);
    expect(isRowError(new Error("timeout"))).toBe(false);
  });

  test("storeErrorReason gives the driver's message, not the statement with its parameters", () => {
    expect(storeErrorReason(wrapped(pgError("23514")))).toBe("pg 23514");
    expect(storeErrorReason("x".repeat(1000)).length).toBeLessThan(310);
  });
});
