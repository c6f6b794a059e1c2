import { describe, expect, test } from "bun:test";
import { isRowError, reasonOf, sqlStateOf, toCallRow } from "./rows.ts";
import type { CallRecord } from "./types.ts";

const record = (overrides: Partial<CallRecord> = {}): CallRecord => ({
  requestId: "req-1",
  operation: "dev1.fs.readFile",
  spokeName: "dev1",
  callerKeyId: "key123456789",
  outcome: "ok",
  errorCode: null,
  startedAt: 1_700_000_000_000,
  finishedAt: 1_700_000_000_250,
  inputBytes: 12,
  outputBytes: 3400,
  ...overrides,
});

describe("toCallRow", () => {
  test("maps every field, computes the duration and stamps the instance", () => {
    const row = toCallRow(record(), "inst-a");
    expect(row).toEqual({
      id: expect.any(String),
      requestId: "req-1",
      operation: "dev1.fs.readFile",
      spokeName: "dev1",
      callerKeyId: "key123456789",
      outcome: "ok",
      errorCode: null,
      startedAt: new Date(1_700_000_000_000),
      finishedAt: new Date(1_700_000_000_250),
      durationMs: 250,
      inputBytes: 12,
      outputBytes: 3400,
      instanceId: "inst-a",
    });
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(toCallRow(record(), "inst-a").id).not.toBe(row.id);
  });

  test("makes values Postgres would refuse storable", () => {
    const row = toCallRow(
      record({ requestId: "a\0b", errorCode: "X\0", inputBytes: 2 ** 40, outputBytes: -5 }),
      "i",
    );
    expect(row.requestId).toBe("ab");
    expect(row.errorCode).toBe("X");
    expect(row.inputBytes).toBe(2_147_483_647);
    expect(row.outputBytes).toBe(0);
    expect(toCallRow(record({ inputBytes: Number.NaN }), "i").inputBytes).toBeNull();
  });

  test("a bad finishedAt leaves finish and duration empty; a bad startedAt falls back to the finish", () => {
    const noFinish = toCallRow(record({ finishedAt: Number.NaN }), "i");
    expect(noFinish.finishedAt).toBeNull();
    expect(noFinish.durationMs).toBeNull();
    const noStart = toCallRow(record({ startedAt: 1e300 }), "i");
    expect(noStart.startedAt).toEqual(new Date(1_700_000_000_250));
    expect(noStart.durationMs).toBe(0);
  });
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

  test("reasonOf gives the driver's message, not the statement with its parameters", () => {
    expect(reasonOf(wrapped(pgError("23514")))).toBe("pg 23514");
    expect(reasonOf("x".repeat(1000)).length).toBeLessThan(310);
  });
});
