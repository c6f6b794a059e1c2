import { describe, expect, test } from "bun:test";
import { validateOperationName } from "../protocol/index.ts";
import { operationNameOf, toolNameOf } from "./names.ts";

function mapped(tool: string): string {
  const result = operationNameOf(tool);
  if (!result.ok) throw new Error(result.error);
  return result.name;
}

describe("tool name mapping", () => {
  test("valid operation names are kept", () => {
    for (const tool of ["echo", "get-sum", "read_file", "github.create_issue"])
      expect(mapped(tool)).toBe(tool);
  });

  test("other names are encoded into one valid segment and decode exactly", () => {
    const cases: Record<string, string> = {
      "1password": "x_1password",
      _private: "x__5fprivate",
      "fs/read file": "x_fs_2fread_20file",
      "a..b": "x_a_2e_2eb",
      x_ray: "x_x_5fray",
      héllo: "x_h_c3_a9llo",
    };
    for (const [tool, name] of Object.entries(cases)) {
      expect(mapped(tool)).toBe(name);
      expect(validateOperationName(name).ok).toBe(true);
      expect(toolNameOf(name)).toBe(tool);
    }
  });

  test("names that are not encoded decode to themselves", () => {
    expect(toolNameOf("get-sum")).toBe("get-sum");
  });

  test("a name whose encoding is too long is refused, naming it", () => {
    const result = operationNameOf("/".repeat(20));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('tool name "////');
  });
});
