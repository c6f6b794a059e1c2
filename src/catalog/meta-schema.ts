/**
 * The meta-schema check of operation schemas, with validators generated at build time (meta-schemas.gen.ts,
 * scripts/gen-meta-schemas.ts) instead of Ajv compiling the meta-schema at startup. It answers as Ajv's own
 * `validateSchema` did when the instances had it on: the same meta-schemas, the same errors, and the same refusal
 * of a `$schema` Ajv has no meta-schema under.
 */
import type { ErrorObject } from "ajv";
import type { Dialect } from "./ajv-instances.ts";
import { createDraft07Validator, createDraft2020_12Validator } from "./meta-schemas.gen.ts";

/** A generated validator: whether `schema` is valid, its errors left on `errors` when not. */
interface MetaSchemaValidator {
  (schema: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** A dialect's meta-schema: its id as Ajv keys it (without the empty fragment) and its validator. */
interface MetaSchema {
  id: string;
  create: () => MetaSchemaValidator;
  /** Made on first use: the hub's start does not wait for it, and draft-07's is made only if one comes. */
  validator?: MetaSchemaValidator;
}

const META_SCHEMAS: Record<Dialect, MetaSchema> = {
  "2020-12": { id: "https://json-schema.org/draft/2020-12/schema", create: createDraft2020_12Validator },
  "draft-07": { id: "http://json-schema.org/draft-07/schema", create: createDraft07Validator },
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
  meta.validator ??= meta.create();
  return meta.validator(schema) ? undefined : (meta.validator.errors ?? []);
}
