/** Reading, writing and checking W3C trace context (the `trace` field of `call.requested`). */
import { describe, expect, test } from "bun:test";
import {
  compileChecker,
  formatTraceparent,
  parseFrame,
  parseTraceparent,
  readTraceContext,
  TraceContext,
  traceJson,
} from "./index.ts";

const GOOD = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("parseTraceparent", () => {
  test("splits a valid traceparent into its parts", () => {
    expect(parseTraceparent(GOOD)).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      flags: 1,
    });
    expect(parseTraceparent(GOOD.replace(/-01$/, "-00"))?.flags).toBe(0);
  });

  const bad: [string, unknown][] = [
    ["not a string", 42],
    ["empty", ""],
    ["uppercase hex", GOOD.toUpperCase()],
    ["version ff", GOOD.replace(/^00/, "ff")],
    ["all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"],
    ["all-zero span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
    ["short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"],
    ["a fifth field", `${GOOD}-extra`],
    ["wrong separators", GOOD.replaceAll("-", "_")],
    ["non-hex flags", GOOD.replace(/01$/, "zz")],
  ];
  for (const [name, value] of bad) {
    test(`rejects ${name}`, () => expect(parseTraceparent(value)).toBeUndefined());
  }
});

test("formatTraceparent writes version 00 with two-digit flags", () => {
  expect(formatTraceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1)).toBe(GOOD);
  expect(formatTraceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 0)).toEndWith("-00");
});

describe("readTraceContext (headers, MCP _meta): lenient", () => {
  test("keeps a valid traceparent and tracestate", () => {
    expect(readTraceContext(GOOD, "rojo=00f067aa0ba902b7")).toEqual({
      traceparent: GOOD,
      tracestate: "rojo=00f067aa0ba902b7",
    });
  });
  test("trims surrounding whitespace of a header value", () => {
    expect(readTraceContext(` ${GOOD} `, undefined)).toEqual({ traceparent: GOOD });
  });
  test("ignores a malformed traceparent (and then the tracestate too)", () => {
    expect(readTraceContext("00-xyz", "a=b")).toBeUndefined();
    expect(readTraceContext(undefined, "a=b")).toBeUndefined();
    expect(readTraceContext({ traceparent: GOOD }, undefined)).toBeUndefined();
  });
  test("drops a malformed or overlong tracestate but keeps the traceparent", () => {
    expect(readTraceContext(GOOD, "a=b\u0000")).toEqual({ traceparent: GOOD });
    expect(readTraceContext(GOOD, "a=".padEnd(600, "b"))).toEqual({ traceparent: GOOD });
    expect(readTraceContext(GOOD, 7)).toEqual({ traceparent: GOOD });
  });
});

describe("the trace field on the wire: strict", () => {
  const checker = compileChecker(TraceContext);
  test("the schema and parseTraceparent agree", () => {
    for (const value of [GOOD, GOOD.toUpperCase(), GOOD.replace(/^00/, "ff"), `${GOOD}-x`, ""]) {
      expect(checker.check({ traceparent: value })).toBe(parseTraceparent(value) !== undefined);
    }
  });
  test("a call.requested with a bad traceparent is a protocol error naming the field", () => {
    const text = JSON.stringify({
      type: "call.requested",
      id: "r1",
      payload: { requestId: "r1", operation: "a.b", input: {}, trace: { traceparent: "00-abc" } },
    });
    const result = parseFrame(text);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error).toStartWith("call.requested frame: payload.trace.traceparent must be");
  });
  test("traceJson round-trips through JSON, escaping the tracestate", () => {
    for (const trace of [{ traceparent: GOOD }, { traceparent: GOOD, tracestate: 'a="q\\"' }]) {
      expect(JSON.parse(traceJson(trace))).toEqual(trace);
      expect(checker.check(JSON.parse(traceJson(trace)))).toBe(true);
    }
  });
});
