/**
 * Compiled TypeBox checkers and readable error text. Compilation uses `new Function`; where a Content Security
 * Policy forbids that (some browser pages), the checker falls back to TypeBox's interpreter with the same result.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { TypeCompiler, type ValueError } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";

/** A reusable validator for one schema. */
export interface SchemaChecker<T extends TSchema> {
  readonly schema: T;
  /** True when `value` matches the schema. */
  check(value: unknown): value is Static<T>;
  /** The first problem as text (`<root>.a.b: Expected string`), or `undefined` when `value` matches. */
  explain(value: unknown, root?: string): string | undefined;
}

/** Compiles `schema` once; the result is safe to share and call from anywhere. */
export function compileChecker<T extends TSchema>(schema: T): SchemaChecker<T> {
  let check: (value: unknown) => boolean;
  let errors: (value: unknown) => Iterable<ValueError>;
  try {
    const compiled = TypeCompiler.Compile(schema);
    check = (value) => compiled.Check(value);
    errors = (value) => compiled.Errors(value);
  } catch {
    check = (value) => Value.Check(schema, value);
    errors = (value) => Value.Errors(schema, value);
  }
  return {
    schema,
    check: (value): value is Static<T> => check(value),
    explain(value, root = "value") {
      if (check(value)) return undefined;
      for (const error of errors(value)) return describeError(error, root);
      return `${root} does not match its schema`;
    },
  };
}

/** `/caller/scopes/0` under root `payload` → `payload.caller.scopes[0]`. */
function renderPath(root: string, pointer: string): string {
  let out = root;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    out += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  }
  return out;
}

function describeError(error: ValueError, root: string): string {
  const where = renderPath(root, error.path);
  if (error.message === "Expected required property") return `${where} is required`;
  // A schema may say in words what its pattern means (`errorMessage`, e.g. the traceparent's).
  const worded = (error.schema as { errorMessage?: unknown }).errorMessage;
  if (typeof worded === "string") return `${where} ${worded}`;
  const options = (error.schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (options?.every((option) => option.const !== undefined)) {
    return `${where} must be one of ${options.map((option) => JSON.stringify(option.const)).join(", ")}`;
  }
  return `${where}: ${error.message}`;
}
