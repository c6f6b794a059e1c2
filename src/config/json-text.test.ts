import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { parseJsonText } from "./json-text.ts";

function message(text: string): string {
  try {
    parseJsonText(text, "/x/alkhub.json");
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("parseJsonText", () => {
  test("parses valid JSON", () => {
    expect(parseJsonText('{"a":[1,"\\u00e9",true,null]}', "f")).toEqual({ a: [1, "é", true, null] });
  });

  test("reports line and column without quoting the text", () => {
    const bare = message('{\n  "server": {},\n  "password": hunter2\n}');
    expect(bare).toBe("/x/alkhub.json: invalid JSON at line 3, column 15: expected a value");
    expect(bare).not.toContain("hunter2");
    expect(message('{\n  "a": 1,\n}')).toBe(
      "/x/alkhub.json: invalid JSON at line 3, column 1: expected a property name in double quotes",
    );
    expect(message('{"a": 1 "b": 2}')).toContain("line 1, column 9: expected ',' or '}'");
    expect(message('{"a": "x')).toContain("line 1, column 9: unterminated string");
    expect(message('{"a": "\\q"}')).toContain("bad escape in a string");
    expect(message("{} {}")).toContain("line 1, column 4: unexpected text after the end");
    expect(message("")).toContain("line 1, column 1: expected a value, found end of file");
  });
});
