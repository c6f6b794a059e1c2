/**
 * Compiles operation JSON Schemas with Ajv, once per distinct schema text, into bounded checkers (issue #10):
 * patterns run on a linear-time engine, `uniqueItems` is linear, every schema's cost is analysed before Ajv sees
 * it (schema-cost.ts), and every check first walks the value against the caps and the work budget
 * (value-bounds.ts). Draft 2020-12 (what TypeBox emits, and the default when `$schema` is absent) and draft-07
 * (what many MCP tools emit) are accepted.
 *
 * All schemas share one Ajv instance per draft (a new instance costs ~20 ms and megabytes). A schema's `$id`s are
 * moved under a base URI of its own, so no schema can `$ref` or collide with another spoke's; an instance is
 * replaced after `compilesPerInstance` compilations so what Ajv keeps of evicted schemas is freed with it.
 */
import { createHash } from "node:crypto";
import type { Options, ValidateFunction } from "ajv";
import type AjvCore from "ajv/dist/core.js";
import type { Logger } from "../log/index.ts";
import { ajvOptions, createAjv, type Dialect, dialectOf } from "./ajv-instances.ts";
import { metaSchemaErrors } from "./meta-schema.ts";
import { analyseSchema, SchemaBoundsError, type SchemaCost } from "./schema-cost.ts";
import { describeValidationErrors } from "./validation-message.ts";
import { checkValueBounds, DEFAULT_VALUE_LIMITS, type ValueLimits } from "./value-bounds.ts";

/** How many compiled validators the cache keeps (least recently used first out). */
export const DEFAULT_SCHEMA_CACHE_MAX_ENTRIES = 10_000;

/** Compilations after which a shared Ajv instance is replaced by a fresh one. */
export const DEFAULT_COMPILES_PER_INSTANCE = 10_000;

/** Most work one value node may cost under a schema, before a schema is refused (schema-cost.ts). */
export const DEFAULT_MAX_WORK_PER_VALUE = 10_000;

/** Where a schema's `$id`s are moved to: one directory per schema text. Never fetched. */
const ID_BASE = "https://schemas.alkhub.invalid/";
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/** A schema that cannot be used; `message` says why, naming the schema path where it can. */
export class SchemaCompileError extends Error {
  override readonly name = "SchemaCompileError";
}

/** A compiled schema: its bounded checker and what the analysis found. */
export interface CompiledSchema {
  /** The problem with `value` as `<root>/<path>: …`, or `undefined` when it matches. Never throws. */
  check(value: unknown, root: string): string | undefined;
  /** `check` rooted at `input` and at `output`: one closure each per distinct schema, shared by its operations. */
  readonly checkInput: (value: unknown) => string | undefined;
  readonly checkOutput: (value: unknown) => string | undefined;
  /**
   * The compiler's own copy of the schema, shared by every operation registered with the same schema text (many
   * spokes of one kind hold one copy instead of one each). Read-only.
   */
  readonly schema: Record<string, unknown>;
  readonly cost: SchemaCost;
}

interface Entry {
  compiled: CompiledSchema;
  /** The object Ajv keeps (by identity and `$id`), to remove it when the entry is evicted. */
  schema: Record<string, unknown>;
  ajv: AjvCore;
}

/** Options of a `SchemaCompiler`. */
export interface SchemaCompilerOptions {
  log: Logger;
  maxEntries?: number;
  /** Caps every check applies to the value (the `validation` config section). */
  limits?: ValueLimits;
  /** Most work one value node may cost; a schema that could cost more is refused. */
  maxWorkPerValue?: number;
  compilesPerInstance?: number;
}

/**
 * A bounded cache of compiled schemas keyed by schema JSON text, so identical schemas (re-registrations, many
 * spokes of one kind) share one validator. Validators stay valid after eviction for whoever holds them.
 */
export class SchemaCompiler {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #options: Options;
  readonly #limits: ValueLimits;
  readonly #maxWorkPerValue: number;
  readonly #compilesPerInstance: number;
  readonly #instances = new Map<Dialect, { ajv: AjvCore; compiles: number }>();

  constructor(opts: SchemaCompilerOptions) {
    this.#maxEntries = opts.maxEntries ?? DEFAULT_SCHEMA_CACHE_MAX_ENTRIES;
    this.#limits = opts.limits ?? DEFAULT_VALUE_LIMITS;
    this.#maxWorkPerValue = opts.maxWorkPerValue ?? DEFAULT_MAX_WORK_PER_VALUE;
    this.#compilesPerInstance = opts.compilesPerInstance ?? DEFAULT_COMPILES_PER_INSTANCE;
    this.#options = ajvOptions(opts.log.child({ component: "ajv" }));
    // The first compile of an instance generates Ajv's code paths for the first time (a few ms): do it now, at
    // startup, not in the first registration.
    this.#instanceFor("2020-12").compile({ type: "object" });
  }

  /** Compiled validators currently cached. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether `text` (a schema's JSON) is compiled and cached: compiling it again costs nothing. */
  has(text: string): boolean {
    return this.#entries.has(text);
  }

  /** The compiled `schema`, compiled now or taken from the cache. Throws `SchemaCompileError`. */
  compile(schema: Record<string, unknown>): CompiledSchema {
    const text = JSON.stringify(schema);
    const hit = this.#entries.get(text);
    if (hit) {
      this.#entries.delete(text);
      this.#entries.set(text, hit);
      return hit.compiled;
    }
    // A private copy: the caller may mutate its object, and Ajv keeps what it compiles.
    const copy = JSON.parse(text) as Record<string, unknown>;
    let cost: SchemaCost;
    try {
      cost = analyseSchema(copy, { maxDepth: this.#limits.maxDepth, maxWorkPerValue: this.#maxWorkPerValue });
    } catch (error) {
      if (error instanceof SchemaBoundsError) throw new SchemaCompileError(error.message, { cause: error });
      throw error;
    }
    if (text.includes('"$id"')) confineIds(copy, text);
    const dialect = dialectOf(copy.$schema);
    if (dialect === undefined) {
      throw new SchemaCompileError(
        `unsupported $schema ${JSON.stringify(copy.$schema)}: use JSON Schema draft 2020-12 (or draft-07)`,
      );
    }
    const ajv = this.#instanceFor(dialect);
    let validate: ValidateFunction;
    try {
      // Where Ajv's own `validateSchema` ran, with its message: the instances have it off (ajv-instances.ts).
      const invalid = metaSchemaErrors(copy, dialect);
      if (invalid) throw new Error(`schema is invalid: ${ajv.errorsText(invalid)}`);
      validate = ajv.compile(copy);
    } catch (error) {
      ajv.removeSchema(copy);
      throw new SchemaCompileError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    if ((validate as { $async?: boolean }).$async) {
      // An async validator returns a promise, which would read as "valid" everywhere.
      ajv.removeSchema(copy);
      throw new SchemaCompileError("$async schemas are not supported");
    }
    // What operations share is the schema as registered (Ajv's copy has its ids moved).
    const compiled = boundedChecker(
      validate,
      cost,
      this.#limits,
      JSON.parse(text) as Record<string, unknown>,
    );
    this.#entries.set(text, { compiled, schema: copy, ajv });
    this.#evict();
    return compiled;
  }

  #instanceFor(dialect: Dialect): AjvCore {
    let instance = this.#instances.get(dialect);
    if (!instance || instance.compiles >= this.#compilesPerInstance) {
      instance = { ajv: createAjv(dialect, this.#options), compiles: 0 };
      this.#instances.set(dialect, instance);
    }
    instance.compiles++;
    return instance.ajv;
  }

  #evict(): void {
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.entries().next().value;
      if (oldest === undefined) return;
      this.#entries.delete(oldest[0]);
      oldest[1].ajv.removeSchema(oldest[1].schema);
    }
  }
}

function boundedChecker(
  validate: ValidateFunction,
  cost: SchemaCost,
  limits: ValueLimits,
  schema: Record<string, unknown>,
): CompiledSchema {
  const check = (value: unknown, root: string): string | undefined => {
    const refused = checkValueBounds(value, cost, limits, root);
    if (refused !== undefined) return refused;
    try {
      // The valid path returns before touching `errors`: no allocation per accepted value.
      return validate(value) ? undefined : describeValidationErrors(validate.errors, root);
    } catch (error) {
      // Bounds make this unreachable in practice (a stack overflow needs a deeper value than they allow).
      return `${root}: could not be checked against its schema (${error instanceof Error ? error.name : "error"})`;
    }
  };
  return {
    cost,
    schema,
    check,
    checkInput: (value) => check(value, "input"),
    checkOutput: (value) => check(value, "output"),
  };
}

/**
 * Moves every `$id` of `schema` (and the `$ref`s that name one) under a base URI of this schema text's own, so
 * ids resolve only within it: two spokes may use the same `$id` with different schemas, and neither can reach
 * the other's. Relative ids resolve under the new root id as they did under the old.
 */
function confineIds(schema: Record<string, unknown>, text: string): void {
  const base = `${ID_BASE}${createHash("sha256").update(text).digest("hex").slice(0, 32)}/`;
  const renamed = new Map<string, string>();
  const rootId = typeof schema.$id === "string" ? schema.$id.replace(/#$/, "") : undefined;
  // A ref to the root becomes a local one ("#…"), which needs no lookup by id.
  if (rootId) renamed.set(rootId, "");
  const visit = (value: unknown, isRoot: boolean) => {
    if (typeof value !== "object" || value === null) return;
    if (!Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const id = record.$id;
      if (!isRoot && typeof id === "string" && ABSOLUTE_URI.test(id)) {
        const moved = `${base}abs/${encodeURIComponent(id.replace(/#$/, ""))}`;
        renamed.set(id.replace(/#$/, ""), moved);
        record.$id = moved;
      }
    }
    for (const child of Object.values(value)) visit(child, false);
  };
  visit(schema, true);
  schema.$id = `${base}root.json`;
  const rewriteRefs = (value: unknown) => {
    if (typeof value !== "object" || value === null) return;
    if (!Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      for (const key of ["$ref", "$dynamicRef", "$recursiveRef"]) {
        const ref = record[key];
        if (typeof ref !== "string") continue;
        const hash = ref.indexOf("#");
        const target = hash < 0 ? ref : ref.slice(0, hash);
        const moved = renamed.get(target);
        if (moved !== undefined)
          record[key] = moved + (hash < 0 ? (moved === "" ? "#" : "") : ref.slice(hash));
      }
    }
    for (const child of Object.values(value)) rewriteRefs(child);
  };
  rewriteRefs(schema);
}
