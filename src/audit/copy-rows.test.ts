import { describe, expect, test } from "bun:test";
import type { CallRecord } from "../router/index.ts";
import { CallIdSource } from "./call-ids.ts";
import { CALL_COLUMNS, CopyLineWriter } from "./copy-rows.ts";

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

/** A line's fields by column name, as the text COPY reads (`\N` for NULL). */
function fields(line: string): Record<(typeof CALL_COLUMNS)[number], string> {
  expect(line.endsWith("\n")).toBe(true);
  const values = line.slice(0, -1).split("\t");
  expect(values).toHaveLength(CALL_COLUMNS.length);
  return Object.fromEntries(CALL_COLUMNS.map((column, i) => [column, values[i]!])) as never;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("CopyLineWriter", () => {
  test("writes every column, computes the duration, stamps the instance and makes a UUIDv7 id", () => {
    const writer = new CopyLineWriter();
    const line = fields(writer.line(record(), "inst-a"));
    expect(line).toEqual({
      id: expect.stringMatching(UUID_V7),
      request_id: "req-1",
      operation: "dev1.fs.readFile",
      spoke_name: "dev1",
      caller_key_id: "key123456789",
      outcome: "ok",
      error_code: "\\N",
      started_at: "2023-11-14T22:13:20.000Z",
      finished_at: "2023-11-14T22:13:20.250Z",
      duration_ms: "250",
      input_bytes: "12",
      output_bytes: "3400",
      instance_id: "inst-a",
    });
    expect(fields(writer.line(record(), "inst-a")).id).not.toBe(line.id);
  });

  test("makes values Postgres would refuse storable and escapes what COPY must", () => {
    const line = fields(
      new CopyLineWriter().line(
        record({
          requestId: "a\0b\tc\\d\ne\r",
          errorCode: "X\0",
          spokeName: "s\ud800",
          inputBytes: 2 ** 40,
          outputBytes: -5,
        }),
        "i",
      ),
    );
    expect(line.request_id).toBe("ab\\tc\\\\d\\ne\\r");
    expect(line.error_code).toBe("X");
    expect(line.spoke_name).toBe("s\ufffd");
    expect(line.input_bytes).toBe("2147483647");
    expect(line.output_bytes).toBe("0");
    expect(fields(new CopyLineWriter().line(record({ inputBytes: Number.NaN }), "i")).input_bytes).toBe(
      "\\N",
    );
    // A missing request id or operation is an empty string: those columns are NOT NULL.
    const missing = record({ requestId: undefined as never, callerKeyId: null });
    expect(fields(new CopyLineWriter().line(missing, "i"))).toMatchObject({
      request_id: "",
      caller_key_id: "\\N",
    });
  });

  test("a bad finishedAt leaves finish and duration empty; a bad startedAt falls back to the finish", () => {
    const noFinish = fields(new CopyLineWriter().line(record({ finishedAt: Number.NaN }), "i"));
    expect([noFinish.finished_at, noFinish.duration_ms]).toEqual(["\\N", "\\N"]);
    const noStart = fields(new CopyLineWriter().line(record({ startedAt: 1e300 }), "i"));
    expect([noStart.started_at, noStart.duration_ms]).toEqual(["2023-11-14T22:13:20.250Z", "0"]);
  });
});

describe("CallIdSource", () => {
  test("ids are UUIDv7 with the given time, distinct within a millisecond and past the counter's end", () => {
    const ids = new CallIdSource();
    const ms = 1_700_000_000_123;
    const made = Array.from({ length: 10_000 }, () => ids.next(ms));
    expect(new Set(made).size).toBe(made.length);
    for (const id of made) expect(id).toMatch(UUID_V7);
    // The first 48 bits are the time in milliseconds.
    expect(Number.parseInt(made[0]!.replace("-", "").slice(0, 12), 16)).toBe(ms);
    // Within one seed the counter counts up: ids made one after another sort in order.
    expect(made[1]! > made[0]!).toBe(true);
  });

  test("two sources in the same millisecond make different ids", () => {
    const ms = Date.now();
    const a = Array.from({ length: 100 }, () => new CallIdSource().next(ms));
    expect(new Set(a).size).toBe(100);
  });
});
