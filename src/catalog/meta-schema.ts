/**
 * The meta-schema check of operation schemas, with validators generated at build time (meta-schemas.gen.ts,
 * scripts/gen-meta-schemas.ts) instead of Ajv compiling the meta-schema at startup. It answers as Ajv's own
 * `validateSchema` did when the instances had it on: the same meta-schemas, the same errors, and the same refusal
 * of a `$schema` Ajv has no meta-schema under.
 */
import type { ErrorObject } from "ajv";
import type { Dialect } from "./ajv-instances.ts";
import { validateDraft07, validateDraft2020_12 } from "./meta-schemas.gen.ts";

/** A generated validator: whether `schema` is valid, its errors left on `errors` when not. */
interface MetaSchemaValidator {
  (schema: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** Each dialect's meta-schema id (as Ajv keys it, without the empty fragment) and its validator. */
const META_SCHEMAS: Record<Dialect, { id: string; validate: MetaSchemaValidator }> = {
  "2020-12": { id: "https://json-schema.org/draft/2020-12/schema", validate: validateDraft2020_12 },
  "draft-07": { id: "http://json-schema.org/draft-07/schema", validate: validateDraft07 },
};

/** A `$schema` naming a meta-schema Ajv does not hold (e.g. the `http:` spelling of draft 2020-12). */
export class UnknownMetaSchemaError extends Error {
  override readonly name = "UnknownMetaSchemaError";
}

/**
 * Why `schema` (of `dialect`) does not match its meta-schema — the errors as Ajv reports them — or `undefined`
 * when it does. Throws `UnknownMetaSchemaError` when its `$schema` is not the dialect's meta-schema id.
 */
export function metaSchemaErrors(schema: unknown, dialect: Dialect): ErrorObject[] | undefined {
  if (typeof schema === "boolean") return undefined;
  const meta = META_SCHEMAS[dialect];
  const $schema = (schema as { $schema?: unknown }).$schema;
  // Ajv looks `$schema` up by exact id, ignoring only an empty fragment.
  if (typeof $schema === "string" && $schema !== "" && $schema.replace(/#$/, "") !== meta.id) {
    throw new UnknownMetaSchemaError(`no schema with key or ref "${$schema}"`);
  }
  return meta.validate(schema) ? undefined : (meta.validate.errors ?? []);
}
