/**
 * `uniqueItems` in linear time. Ajv compares every pair of items whose type it cannot prove scalar (120k untyped
 * integers took seconds, issue #10); here each item is turned into one canonical string (object keys sorted) and
 * looked up in a Set, so the cost is the size of the array's contents, which the value bounds already cap.
 */
import { _, type CodeKeywordDefinition } from "ajv";

/** JSON equality as JSON Schema defines it: one string per equal value (key order ignored, 1 and 1.0 alike). */
function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonical(value[i]);
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += `${i === 0 ? "" : ","}${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`;
  }
  return `${out}}`;
}

/** Whether every item of `items` differs from every other (JSON equality). */
export function allUnique(items: readonly unknown[]): boolean {
  // Scalars are their own keys (a number and a string never collide in a Set); only objects are serialised.
  const scalars = new Set<unknown>();
  let objects: Set<string> | undefined;
  for (const item of items) {
    if (item !== null && typeof item === "object") {
      objects ??= new Set();
      const key = canonical(item);
      if (objects.has(key)) return false;
      objects.add(key);
    } else {
      if (scalars.has(item)) return false;
      scalars.add(item);
    }
  }
  return true;
}

/**
 * Replaces Ajv's own `uniqueItems` (remove that keyword first). It generates a call to {@link allUnique} rather
 * than wrapping it as a `validate` keyword, so standalone code can hold it too (the generated meta-schema
 * validators import `allUnique` under this name).
 */
export const uniqueItemsKeyword: CodeKeywordDefinition = {
  keyword: "uniqueItems",
  type: "array",
  schemaType: "boolean",
  error: { message: "must NOT have duplicate items" },
  code(cxt) {
    if (cxt.schema !== true) return;
    const unique = cxt.gen.scopeValue("func", { ref: allUnique, code: _`allUnique` });
    cxt.fail(_`!${unique}(${cxt.data})`);
  },
};
