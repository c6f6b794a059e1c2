import { describe, expect, test } from "bun:test";
import { isRowError, reasonOf, sqlStateOf } from "./write-errors.ts";

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

  test("reasonOf gives the driver's message, not the statement with its parameters", () => {
    expect(reasonOf(wrapped(pgError("23514")))).toBe("pg 23514");
    expect(reasonOf("x".repeat(1000)).length).toBeLessThan(310);
  });
});
