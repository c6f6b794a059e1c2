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
      request_id: "req-1",
      operation: "dev1.fs.readFile",
      spoke_name: "dev1",
      caller_key_id: "key123456789",
      outcome: "ok",
      error_code: null,
      started_at: 1_700_000_000_000,
      finished_at: 1_700_000_000_250,
      duration_ms: 250,
      input_bytes: 12,
      output_bytes: 3400,
      instance_id: "inst-a",
    });
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(toCallRow(record(), "inst-a").id).not.toBe(row.id);
  });

  test("makes values Postgres would refuse storable", () => {
    const row = toCallRow(
      record({
        requestId: "a\0b",
        errorCode: "X\0",
        spokeName: "s\ud800",
        inputBytes: 2 ** 40,
        outputBytes: -5,
      }),
      "i",
    );
    expect(row.request_id).toBe("ab");
    expect(row.error_code).toBe("X");
    expect(row.spoke_name).toBe("s\ufffd");
    expect(row.input_bytes).toBe(2_147_483_647);
    expect(row.output_bytes).toBe(0);
    expect(toCallRow(record({ inputBytes: Number.NaN }), "i").input_bytes).toBeNull();
  });

  test("a bad finishedAt leaves finish and duration empty; a bad startedAt falls back to the finish", () => {
    const noFinish = toCallRow(record({ finishedAt: Number.NaN }), "i");
    expect(noFinish.finished_at).toBeNull();
    expect(noFinish.duration_ms).toBeNull();
    const noStart = toCallRow(record({ startedAt: 1e300 }), "i");
    expect(noStart.started_at).toBe(1_700_000_000_250);
    expect(noStart.duration_ms).toBe(0);
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
