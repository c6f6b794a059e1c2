/**
 * A spoke's operations by local name, as the index holds them: a read-only map over one array. A `Map` of ten
 * entries costs about 880 bytes of heap, its array about 100; with 15,000 spokes held that is 11 MB (issue #11).
 */
import type { CatalogOperation } from "./types.ts";

/** Sets up to this size are searched in order; a larger one builds a `Map` on its first lookup. */
const LINEAR_LOOKUP_MAX = 16;

/** Immutable, in registration order; `get` is by local name. */
export class OperationSet implements ReadonlyMap<string, CatalogOperation> {
  readonly #operations: readonly CatalogOperation[];
  #byName: Map<string, CatalogOperation> | undefined;

  /** `operations` must have distinct local names; the array is kept, not copied. */
  constructor(operations: readonly CatalogOperation[]) {
    this.#operations = operations;
  }

  get size(): number {
    return this.#operations.length;
  }

  get(localName: string): CatalogOperation | undefined {
    if (this.#operations.length <= LINEAR_LOOKUP_MAX) {
      for (const operation of this.#operations) if (operation.localName === localName) return operation;
      return undefined;
    }
    this.#byName ??= new Map(this.#operations.map((operation) => [operation.localName, operation]));
    return this.#byName.get(localName);
  }

  has(localName: string): boolean {
    return this.get(localName) !== undefined;
  }

  values(): MapIterator<CatalogOperation> {
    return this.#operations.values();
  }

  *keys(): MapIterator<string> {
    for (const operation of this.#operations) yield operation.localName;
  }

  *entries(): MapIterator<[string, CatalogOperation]> {
    for (const operation of this.#operations) yield [operation.localName, operation];
  }

  [Symbol.iterator](): MapIterator<[string, CatalogOperation]> {
    return this.entries();
  }

  forEach(
    callback: (value: CatalogOperation, key: string, map: ReadonlyMap<string, CatalogOperation>) => void,
    thisArg?: unknown,
  ): void {
    for (const operation of this.#operations) callback.call(thisArg, operation, operation.localName, this);
  }
}

/** The set of no operations (shared). */
export const NO_OPERATIONS = new OperationSet([]);
