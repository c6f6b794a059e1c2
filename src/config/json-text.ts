import { ConfigError } from "../errors.ts";

/**
 * Parses a config file's text. A syntax error is a `ConfigError` with the line and column (1-based) and what was
 * expected there. The runtime's own parser message is not used: it quotes the offending text, which may be a
 * secret.
 */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // No cause is chained either: the parser's error would carry the same secret-bearing message.
    const { offset, expected } = locateSyntaxError(text);
    const { line, column } = lineColumn(text, offset);
    throw new ConfigError(`${file}: invalid JSON at line ${line}, column ${column}: ${expected}`, { file });
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

class SyntaxAt {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** A small recursive-descent scan that only finds where the first syntax error is. */
function locateSyntaxError(text: string): { offset: number; expected: string } {
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && " \t\n\r".includes(text[at] as string)) at++;
  };
  const fail = (expected: string): never => {
    throw new SyntaxAt(at, at >= text.length ? `${expected}, found end of file` : expected);
  };
  const literal = (word: string) => {
    if (!text.startsWith(word, at)) fail("expected a value");
    at += word.length;
  };
  const string = () => {
    at++;
    while (at < text.length) {
      const code = text.charCodeAt(at);
      if (code === 0x22) {
        at++;
        return;
      }
      if (code < 0x20) fail("control character in a string");
      if (code === 0x5c) {
        const escaped = text[at + 1] ?? "";
        if (escaped === "u" ? !HEX4.test(text.slice(at + 2, at + 6)) : !'"\\/bfnrt'.includes(escaped)) {
          fail("bad escape in a string");
        }
        at += escaped === "u" ? 6 : 2;
      } else {
        at++;
      }
    }
    fail("unterminated string");
  };
  const value = (): void => {
    skipSpace();
    const c = text[at];
    if (c === "{") container("}", true);
    else if (c === "[") container("]", false);
    else if (c === '"') string();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else {
      NUMBER.lastIndex = at;
      if (NUMBER.exec(text) === null) fail("expected a value");
      at = NUMBER.lastIndex;
    }
  };
  const container = (close: string, isObject: boolean): void => {
    at++;
    skipSpace();
    if (text[at] === close) {
      at++;
      return;
    }
    for (;;) {
      if (isObject) {
        skipSpace();
        if (text[at] !== '"') fail("expected a property name in double quotes");
        string();
        skipSpace();
        if (text[at] !== ":") fail("expected ':'");
        at++;
      }
      value();
      skipSpace();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === close) {
        at++;
        return;
      }
      fail(`expected ',' or '${close}'`);
    }
  };
  try {
    value();
    skipSpace();
    if (at < text.length) fail("unexpected text after the end of the document");
    return { offset: at, expected: "invalid JSON" };
  } catch (error) {
    if (error instanceof SyntaxAt) return { offset: error.offset, expected: error.expected };
    throw error;
  }
}
