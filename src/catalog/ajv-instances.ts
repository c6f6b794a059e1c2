/**
 * How the hub's Ajv instances are made, shared by the schema compiler (at run time) and by
 * scripts/gen-meta-schemas.ts (at build time), so the meta-schema validators generated ahead of time are compiled
 * with exactly the options and keywords the run-time instances use.
 */
import Ajv, { type CodeOptions, type Options } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import type AjvCore from "ajv/dist/core.js";
import type { Logger } from "../log/index.ts";
import { linearRegExp } from "./linear-regexp.ts";
import { uniqueItemsKeyword } from "./unique-items.ts";

/** The JSON Schema dialects operation schemas may be written in. */
export type Dialect = "2020-12" | "draft-07";

const DRAFT_2020_12 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;

/**
 * The dialect a schema's `$schema` names: draft 2020-12 (what TypeBox emits, and the default when `$schema` is
 * absent) or draft-07 (what many MCP tools emit); `undefined` for anything else.
 */
export function dialectOf($schema: unknown): Dialect | undefined {
  if ($schema === undefined || (typeof $schema === "string" && DRAFT_2020_12.test($schema))) return "2020-12";
  if (typeof $schema === "string" && DRAFT_07.test($schema)) return "draft-07";
  return undefined;
}

/**
 * The options of every instance. `code` adds code-generation options (the generator asks for source code);
 * `validateSchema` is off because the meta-schema check is the generated validator's job (meta-schema.ts):
 * compiling the meta-schema at run time held each start for about 0.1 s.
 */
export function ajvOptions(log: Logger, code: CodeOptions = {}): Options {
  return {
    strict: false,
    allErrors: false,
    // The schema keyword's value on errors lets messages list a union's literals.
    verbose: true,
    validateSchema: false,
    code: { ...code, regExp: linearRegExp },
    logger: {
      log: (...args: unknown[]) => log.debug(args.map(String).join(" ")),
      warn: (...args: unknown[]) => log.debug(args.map(String).join(" ")),
      error: (...args: unknown[]) => log.warn(args.map(String).join(" ")),
    },
  };
}

/** A new Ajv instance for `dialect`, with the linear-time `uniqueItems` (patterns come linear from the options). */
export function createAjv(dialect: Dialect, options: Options): AjvCore {
  const ajv = dialect === "2020-12" ? new Ajv2020(options) : new Ajv(options);
  ajv.removeKeyword("uniqueItems");
  ajv.addKeyword(uniqueItemsKeyword);
  return ajv;
}
