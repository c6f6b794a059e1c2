import { describe, expect, test } from "bun:test";
import { HubError } from "../protocol/index.ts";
import { cursorTimestamp, decodeCursor, encodeCursor } from "./cursor.ts";

function refusal(run: () => unknown): HubError {
  try {
    run();
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
  throw new Error("expected a HubError");
}

describe("cursors", () => {
  test("round-trip the sort key, opaque and URL-safe", () => {
    const key = ["2026-12-06 20:11:46.123456+00", "lQclTB6aoUMc"];
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 2)).toEqual(key);
    const odd = ["acme corp", "gh/ü", 'a"b'];
    expect(decodeCursor(encodeCursor(odd), 3)).toEqual(odd);
  });

  test("anything else is a VALIDATION_ERROR naming query.cursor", () => {
    const bad = [
      "",
      "not base64!",
      Buffer.from("not json").toString("base64url"),
      encodeCursor(["only one"]),
      Buffer.from(JSON.stringify(["a", 1])).toString("base64url"),
      Buffer.from(JSON.stringify({ a: "b" })).toString("base64url"),
      "A".repeat(5000),
    ];
    for (const cursor of bad) {
      const error = refusal(() => decodeCursor(cursor, 2));
      expect(error.code).toBe("VALIDATION_ERROR");
      expect(error.message).toBe("query.cursor: not a cursor from this list");
    }
  });

  test("timestamp parts must be Postgres timestamptz text", () => {
    expect(cursorTimestamp("2026-12-06 20:11:46.123456+00")).toBe("2026-12-06 20:11:46.123456+00");
    expect(cursorTimestamp("2026-12-06 20:11:46+05:30")).toBe("2026-12-06 20:11:46+05:30");
    for (const bad of ["yesterday", "2026-12-06T20:11:46Z", "2026-12-06 20:11:46'; drop table x;--"]) {
      expect(refusal(() => cursorTimestamp(bad)).code).toBe("VALIDATION_ERROR");
    }
  });
});
