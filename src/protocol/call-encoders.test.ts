/**
 * The fast call-frame encoders produce the frames `encodeFrame` would: each golden fixture of a call frame is
 * re-encoded with them and read back by `parseFrame`, and a few edge values (ids that need escaping, absent
 * optional fields, undefined outputs) are compared with `encodeFrame`.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodeCallAborted,
  encodeCallCompleted,
  encodeCallError,
  encodeCallLog,
  encodeCallProgress,
  encodeCallRequested,
  encodeCallResponded,
  encodeFrame,
  type Frame,
  type FrameDirection,
  jsonOf,
  parseFrame,
  traceJson,
} from "./index.ts";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/protocol/valid");

/** Encodes `frame` with the fast encoder of its type; undefined for frames that have none. */
function fastEncode(frame: Frame): string | undefined {
  const idJson = JSON.stringify(frame.id);
  switch (frame.type) {
    case "call.requested": {
      const p = frame.payload;
      return encodeCallRequested(
        idJson,
        JSON.stringify(p.operation),
        jsonOf(p.input),
        p.deadline,
        p.progress === true,
        p.parentRequestId === undefined ? undefined : JSON.stringify(p.parentRequestId),
        p.caller === undefined ? undefined : JSON.stringify(p.caller),
        p.trace === undefined ? undefined : traceJson(p.trace),
      );
    }
    case "call.responded":
      return encodeCallResponded(idJson, jsonOf(frame.payload.output));
    case "call.completed":
      return encodeCallCompleted(idJson);
    case "call.progress":
      return encodeCallProgress(idJson, frame.payload.progress, frame.payload.total, frame.payload.message);
    case "call.log":
      return encodeCallLog(idJson, frame.payload.level, frame.payload.data, frame.payload.logger);
    case "call.error": {
      const { code, message, details } = frame.payload;
      return encodeCallError(idJson, details === undefined ? { code, message } : { code, message, details });
    }
    case "call.aborted":
      return encodeCallAborted(idJson, frame.payload.reason);
    default:
      return undefined;
  }
}

function parse(text: string, direction: FrameDirection) {
  return direction === "from-hub" ? parseFrame(text, "from-hub") : parseFrame(text, "to-hub");
}

describe("golden fixtures", () => {
  const files = readdirSync(FIXTURES).filter((file) => file.startsWith("call."));
  test("every call frame type has fixtures", () => expect(files.length).toBe(14));
  for (const file of files) {
    test(`${file} re-encodes to the same frame`, () => {
      const direction = file.includes(".from-hub.") ? "from-hub" : "to-hub";
      const text = readFileSync(join(FIXTURES, file), "utf8");
      const original = parse(text, direction);
      if (!original.ok) throw new Error(original.error);
      const encoded = fastEncode(original.frame as Frame);
      if (encoded === undefined) throw new Error(`no fast encoder for ${file}`);
      const reread = parse(encoded, direction);
      if (!reread.ok) throw new Error(`${file}: ${reread.error}`);
      expect(reread.frame).toEqual(JSON.parse(text));
      expect(encoded).toBe(
        encodeFrame(original.frame.type, original.frame.id, original.frame.payload as never),
      );
    });
  }
});

describe("edge values", () => {
  const id = 'a"b\\c\u2028';
  const idJson = JSON.stringify(id);

  test("ids that need escaping survive", () => {
    const text = encodeCallResponded(idJson, jsonOf({ x: 1 }));
    const parsed = parseFrame(text);
    expect(parsed.ok && parsed.frame).toEqual({
      type: "call.responded",
      id,
      payload: { requestId: id, output: { x: 1 } },
    });
  });

  test("an undefined output or log datum is sent as null", () => {
    expect(encodeCallResponded(idJson, jsonOf(undefined))).toBe(
      encodeFrame("call.responded", id, { requestId: id, output: null }),
    );
    expect(encodeCallLog(idJson, "info", undefined, undefined)).toBe(
      encodeFrame("call.log", id, { requestId: id, level: "info", data: null }),
    );
  });

  test("optional fields are left out when absent", () => {
    expect(encodeCallRequested(idJson, '"op"', "null", undefined, false, undefined, undefined)).toBe(
      encodeFrame("call.requested", id, { requestId: id, operation: "op", input: null }),
    );
    expect(encodeCallAborted(idJson, undefined)).toBe(encodeFrame("call.aborted", id, { requestId: id }));
    expect(encodeCallProgress(idJson, 0.5, undefined, undefined)).toBe(
      encodeFrame("call.progress", id, { requestId: id, progress: 0.5 }),
    );
    expect(encodeCallError(idJson, { code: "TIMEOUT", message: "m" })).toBe(
      encodeFrame("call.error", id, { requestId: id, code: "TIMEOUT", message: "m" }),
    );
  });
});

describe("the reply fast path of parseFrame", () => {
  const cases: [string, unknown][] = [
    ["responded", { type: "call.responded", id: "r1", payload: { requestId: "r1", output: 1 } }],
    ["responded, output undefined key", { type: "call.responded", id: "r1", payload: { requestId: "r1" } }],
    ["responded, id mismatch", { type: "call.responded", id: "r1", payload: { requestId: "r2", output: 1 } }],
    ["responded, empty id", { type: "call.responded", id: "", payload: { requestId: "", output: 1 } }],
    [
      "responded, long id",
      { type: "call.responded", id: "x".repeat(129), payload: { requestId: "x".repeat(129), output: 1 } },
    ],
    ["responded, payload array", { type: "call.responded", id: "r1", payload: [] }],
    ["completed", { type: "call.completed", id: "r1", payload: { requestId: "r1", extra: true } }],
    ["completed, id number", { type: "call.completed", id: 1, payload: { requestId: 1 } }],
  ];
  for (const [name, value] of cases) {
    test(`${name}: same verdict as the schema`, () => {
      const result = parseFrame(JSON.stringify(value));
      const { type, payload } = value as { type: "call.responded"; payload: unknown };
      const id = (value as { id: unknown }).id;
      const schemaOk =
        typeof id === "string" &&
        id.length > 0 &&
        id.length <= 128 &&
        typeof payload === "object" &&
        !Array.isArray(payload) &&
        (payload as { requestId: unknown }).requestId === id &&
        (type !== "call.responded" || "output" in (payload as object));
      expect(result.ok).toBe(schemaOk);
    });
  }
});
