/**
 * Compiles operation JSON Schemas with Ajv, once per distinct schema text. Draft 2020-12 (what TypeBox emits, and
 * the default when `$schema` is absent) and draft-07 (what many MCP tools emit) are accepted.
 */
import Ajv, { type Options, type ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import type AjvCore from "ajv/dist/core.js";
import type { Logger } from "../log/index.ts";

/** How many compiled validators the cache keeps (least recently used first out). */
export const DEFAULT_SCHEMA_CACHE_MAX_ENTRIES = 10_000;

const DRAFT_2020_12 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;
const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;

/** A schema that Ajv could not compile; `message` says why (local error, the catalog wraps it in a HubError). */
export class SchemaCompileError extends Error {
  override readonly name = "SchemaCompileError";
}

interface Entry {
  validate: ValidateFunction;
  /** The object Ajv cached, to evict it from the shared instance together with ours. */
  schema: Record<string, unknown>;
  /** The shared instance that caches it; none for schemas compiled in an instance of their own. */
  sharedAjv: AjvCore | undefined;
}

/**
 * A bounded cache of compiled validators keyed by schema JSON text, so identical schemas (re-registrations,
 * many spokes of one kind) share one validator. Validators stay valid after eviction for whoever holds them.
 */
export class SchemaCompiler {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #options: Options;
  #draft2020: Ajv2020 | undefined;
  #draft07: Ajv | undefined;

  constructor(opts: { log: Logger; maxEntries?: number }) {
    this.#maxEntries = opts.maxEntries ?? DEFAULT_SCHEMA_CACHE_MAX_ENTRIES;
    const log = opts.log.child({ component: "ajv" });
    this.#options = {
      strict: false,
      allErrors: false,
      // The schema keyword's value on errors lets messages list a union's literals.
      verbose: true,
      logger: {
        log: (...args: unknown[]) => log.debug(args.map(String).join(" ")),
        warn: (...args: unknown[]) => log.debug(args.map(String).join(" ")),
        error: (...args: unknown[]) => log.warn(args.map(String).join(" ")),
      },
    };
  }

  /** Compiled validators currently cached. */
  get size(): number {
    return this.#entries.size;
  }

  /** The validator of `schema`, compiled now or taken from the cache. Throws `SchemaCompileError`. */
  compile(schema: Record<string, unknown>): ValidateFunction {
    return this.compileShared(schema).validate;
  }

  /**
   * As `compile`, plus the compiler's own copy of the schema, shared by every operation registered with the same
   * schema text (many spokes of one kind hold one copy instead of one each). Treat it as read-only.
   */
  compileShared(schema: Record<string, unknown>): {
    validate: ValidateFunction;
    schema: Record<string, unknown>;
  } {
    const text = JSON.stringify(schema);
    const hit = this.#entries.get(text);
    if (hit) {
      this.#entries.delete(text);
      this.#entries.set(text, hit);
      return hit;
    }
    // A private copy: the caller may mutate its object, and Ajv caches by object identity.
    const copy = JSON.parse(text) as Record<string, unknown>;
    // Schemas with `$id` would be registered in the shared instance by id, where other spokes could `$ref`
    // them or collide with them; they get an instance of their own.
    const shared = !text.includes('"$id"');
    const ajv = this.#instanceFor(copy.$schema, shared);
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(copy);
    } catch (error) {
      if (shared) ajv.removeSchema(copy);
      throw new SchemaCompileError(error instanceof Error ? error.message : String(error), { cause: error });
    }
    if ((validate as { $async?: boolean }).$async) {
      // An async validator returns a promise, which would read as "valid" everywhere.
      if (shared) ajv.removeSchema(copy);
      throw new SchemaCompileError("$async schemas are not supported");
    }
    const entry = { validate, schema: copy, sharedAjv: shared ? ajv : undefined };
    this.#entries.set(text, entry);
    this.#evict();
    return entry;
  }

  #instanceFor(dialect: unknown, shared: boolean): AjvCore {
    if (dialect === undefined || (typeof dialect === "string" && DRAFT_2020_12.test(dialect))) {
      if (!shared) return new Ajv2020(this.#options);
      this.#draft2020 ??= new Ajv2020(this.#options);
      return this.#draft2020;
    }
    if (typeof dialect === "string" && DRAFT_07.test(dialect)) {
      if (!shared) return new Ajv(this.#options);
      this.#draft07 ??= new Ajv(this.#options);
      return this.#draft07;
    }
    throw new SchemaCompileError(
      `unsupported $schema ${JSON.stringify(dialect)}: use JSON Schema draft 2020-12 (or draft-07)`,
    );
  }

  #evict(): void {
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.entries().next().value;
      if (!oldest) return;
      const [text, entry] = oldest;
      this.#entries.delete(text);
      entry.sharedAjv?.removeSchema(entry.schema);
    }
  }
}
