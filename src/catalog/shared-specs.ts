/**
 * One copy of each distinct operation spec for the whole index. Spokes of one kind register the same operations
 * (the same names, descriptions and schemas); the compiler already shares their schemas, and this shares the
 * rest, so 15,000 such spokes hold their ten specs once instead of 15,000 times (issue #11: about 1.2 KB a spoke).
 */
import type { OperationSpec } from "../protocol/index.ts";
import { DEFAULT_SCHEMA_CACHE_MAX_ENTRIES } from "./schema-compiler.ts";

/** A bounded table of specs by content (least recently used first out); evicted specs stay valid for holders. */
export class SharedSpecs {
  readonly #specs = new Map<string, OperationSpec>();
  readonly #schemaIds = new WeakMap<object, number>();
  readonly #maxEntries: number;
  #nextSchemaId = 1;

  /** `maxEntries`: most specs kept (default `DEFAULT_SCHEMA_CACHE_MAX_ENTRIES`). */
  constructor(maxEntries = DEFAULT_SCHEMA_CACHE_MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  /** Specs currently kept. */
  get size(): number {
    return this.#specs.size;
  }

  /**
   * The shared spec equal to `spec` with its schemas replaced by `inputSchema` and `outputSchema` — the
   * compiler's shared copies, compared by identity. Never mutate what it returns.
   */
  share(
    spec: OperationSpec,
    inputSchema: Record<string, unknown>,
    outputSchema: Record<string, unknown> | undefined,
  ): OperationSpec {
    const { inputSchema: _input, outputSchema: _output, ...rest } = spec;
    const key = `${this.#schemaId(inputSchema)} ${outputSchema ? this.#schemaId(outputSchema) : 0} ${JSON.stringify(rest)}`;
    const hit = this.#specs.get(key);
    if (hit) {
      this.#specs.delete(key);
      this.#specs.set(key, hit);
      return hit;
    }
    const shared: OperationSpec = { ...spec, inputSchema };
    if (outputSchema !== undefined) shared.outputSchema = outputSchema;
    this.#specs.set(key, shared);
    if (this.#specs.size > this.#maxEntries) {
      const oldest = this.#specs.keys().next().value;
      if (oldest !== undefined) this.#specs.delete(oldest);
    }
    return shared;
  }

  #schemaId(schema: object): number {
    let id = this.#schemaIds.get(schema);
    if (id === undefined) {
      id = this.#nextSchemaId++;
      this.#schemaIds.set(schema, id);
    }
    return id;
  }
}
