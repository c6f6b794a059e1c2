/**
 * Turns Ajv's error list into one short message naming the JSON path and the rule that failed
 * (`input/path: must be string`). Runs only when a value is invalid, so it may allocate.
 */
import type { ErrorObject } from "ajv";

/**
 * One message for the errors Ajv left on a validator after a failed check, under `root` (`input`, `output`).
 * With `allErrors: false` the deciding error is the last one: for `anyOf` Ajv lists every branch's failure first
 * and the `anyOf` failure itself last.
 */
export function describeValidationErrors(errors: ErrorObject[] | null | undefined, root: string): string {
  const last = errors?.at(-1);
  if (!last) return `${root}: does not match its schema`;
  return `${root}${last.instancePath}: ${rule(last)}`;
}

function rule(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `must have required property ${quote(params.missingProperty)}`;
    case "additionalProperties":
      return `must not have additional property ${quote(params.additionalProperty)}`;
    case "const":
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case "enum":
      return `must be one of ${listValues(params.allowedValues)}`;
    case "anyOf":
    case "oneOf": {
      const constants = branchConstants(error.schema);
      if (constants) return `must be one of ${constants}`;
      return error.message ?? `must match a schema in ${error.keyword}`;
    }
    default:
      return error.message ?? `must pass "${error.keyword}"`;
  }
}

/** With `verbose: true` Ajv puts the keyword's value on the error: for a union of literals, list them. */
function branchConstants(branches: unknown): string | undefined {
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const values: unknown[] = [];
  for (const branch of branches) {
    if (typeof branch !== "object" || branch === null || !("const" in branch)) return undefined;
    values.push((branch as { const: unknown }).const);
  }
  return listValues(values);
}

function listValues(values: unknown): string {
  return Array.isArray(values) ? values.map((value) => JSON.stringify(value)).join(", ") : String(values);
}

function quote(value: unknown): string {
  return `'${String(value)}'`;
}
