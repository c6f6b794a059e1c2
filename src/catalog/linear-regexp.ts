/**
 * The regex engine of operation schemas (`pattern`, `patternProperties`): RE2 semantics through `re2js`, pure
 * JavaScript, so matching time is linear in the string whatever the pattern (issue #10: one backtracking
 * pattern blocked the loop for seconds). ECMAScript syntax RE2 does not have (backreferences, lookaround) is
 * refused when the schema is registered, never met at call time.
 */
import type { RegExpEngine } from "ajv/dist/types/index.js";
import { RE2JS } from "re2js";

/** A pattern the linear engine cannot run; `message` says why. */
export class PatternError extends Error {
  override readonly name = "PatternError";
}

/** A compiled pattern with its program size (the per-character cost of one match). */
export interface LinearPattern {
  test(text: string): boolean;
  /** Instructions of the compiled program: matching costs at most this × the string's length steps. */
  readonly programSize: number;
  /** `/pattern/`: Ajv shares compiled patterns between schemas under this key. */
  toString(): string;
}

/**
 * Compiles an ECMAScript `pattern` (as JSON Schema writes them) for linear-time search. Throws `PatternError`
 * for syntax RE2 does not support.
 */
export function compileLinearPattern(pattern: string): LinearPattern {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PatternError(
      `the linear-time regex engine (RE2 syntax: no backreferences or lookaround) cannot run ${JSON.stringify(pattern)}: ${reason}`,
    );
  }
  return {
    test: (text) => compiled.test(text),
    programSize: compiled.programSize(),
    toString: () => `/${pattern}/`,
  };
}

/** Ajv's `code.regExp`: every pattern a schema holds is compiled by {@link compileLinearPattern}. */
export const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string, _flags: string) => compileLinearPattern(pattern),
  // Only standalone code generation reads this; the hub never generates standalone code.
  { code: "compileLinearPattern" },
);
