/** Frame parsing and encoding, checked against the golden fixtures in tests/fixtures/protocol. */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeFrame, FRAME_SENDERS, FRAME_TYPES, type FrameDirection, parseFrame } from "./index.ts";

const FIXTURES = join(import.meta.dir, "../../tests/fixtures/protocol");
const read = (path: string) => readFileSync(join(FIXTURES, path), "utf8");
const validFiles = readdirSync(join(FIXTURES, "valid")).filter((file) => file.endsWith(".json"));
const invalidFiles = readdirSync(join(FIXTURES, "invalid")).filter((file) => file.endsWith(".json"));

function parse(text: string, direction: FrameDirection) {
  return direction === "from-hub" ? parseFrame(text, "from-hub") : parseFrame(text, "to-hub");
}

describe("valid fixtures", () => {
  test("there is one per frame type and direction", () => {
    const expected = FRAME_TYPES.flatMap((type) =>
      FRAME_SENDERS[type] === "hub"
        ? [`${type}.from-hub.json`]
        : [`${type}.to-hub.json`, `${type}.from-hub.json`],
    );
    expect(validFiles.sort()).toEqual(expected.sort());
  });

  for (const file of validFiles) {
    test(`${file} parses and re-encodes to the same frame`, () => {
      const direction = file.includes(".from-hub.") ? "from-hub" : "to-hub";
      const text = read(`valid/${file}`);
      const result = parse(text, direction);
      if (!result.ok) throw new Error(`${file}: ${result.error}`);
      expect(result.frame.type).toBe(file.split(`.${direction}`)[0] as never);
      expect(result.frame).toEqual(JSON.parse(text));
      const { type, id, payload } = result.frame;
      expect(JSON.parse(encodeFrame(type, id, payload as never))).toEqual(JSON.parse(text));
    });
  }
});

describe("invalid fixtures", () => {
  test("there are enough of them to cover every check", () => {
    expect(invalidFiles.length).toBeGreaterThanOrEqual(15);
  });

  for (const file of invalidFiles) {
    test(`${file} is rejected with its expected error`, () => {
      const fixture = JSON.parse(read(`invalid/${file}`)) as {
        direction: FrameDirection;
        text: string;
        error: string;
        ref?: string;
      };
      const result = parse(fixture.text, fixture.direction);
      expect(result).toEqual(
        fixture.ref === undefined
          ? { ok: false, error: fixture.error }
          : { ok: false, error: fixture.error, ref: fixture.ref },
      );
    });
  }
});

test("to-hub parsing ignores but allows a caller field, and allows unknown payload fields", () => {
  const text = JSON.stringify({
    type: "call.requested",
    id: "r1",
    payload: { requestId: "r1", operation: "a.b", input: null, caller: { id: "x", scopes: [] }, extra: 1 },
  });
  expect(parseFrame(text).ok).toBe(true);
});

test("parseFrame never throws, whatever the text", () => {
  for (const text of ["", "null", "42", '"s"', "{}", '{"type":1}', "\u0000", "[".repeat(10_000)]) {
    const result = parseFrame(text);
    expect(result.ok).toBe(false);
  }
});

test("an overlong unknown type is cut short in the error", () => {
  const result = parseFrame(JSON.stringify({ type: "x".repeat(1000), id: "r", payload: {} }));
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.length).toBeLessThan(100);
});
