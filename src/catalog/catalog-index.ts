/**
 * The in-memory index of one instance: spokes by name and operations by published name. Every change is one
 * synchronous swap, so a reader never sees half of an update.
 */
import type { ListingSource } from "./listing.ts";
import { type SearchDocument, searchDocument } from "./search.ts";
import type { CatalogOperation, CatalogSpoke } from "./types.ts";

const byName = (a: CatalogOperation, b: CatalogOperation): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** Spokes and operations held in memory; the listing source of `hub.list` and `hub.search`. */
export class CatalogIndex implements ListingSource {
  readonly #spokes = new Map<string, CatalogSpoke>();
  readonly #operations = new Map<string, CatalogOperation>();
  #sorted: CatalogOperation[] | undefined;
  readonly #documents = new WeakMap<CatalogOperation, SearchDocument>();

  /** The operation published as `name`: one Map lookup. */
  operation(name: string): CatalogOperation | undefined {
    return this.#operations.get(name);
  }

  spoke(name: string): CatalogSpoke | undefined {
    return this.#spokes.get(name);
  }

  spokes(): IterableIterator<CatalogSpoke> {
    return this.#spokes.values();
  }

  get operationCount(): number {
    return this.#operations.size;
  }

  get liveSpokeCount(): number {
    let live = 0;
    for (const spoke of this.#spokes.values()) if (spoke.live) live++;
    return live;
  }

  /** Every operation sorted by published name; rebuilt lazily after an operation set changes. */
  get sorted(): readonly CatalogOperation[] {
    this.#sorted ??= [...this.#operations.values()].sort(byName);
    return this.#sorted;
  }

  /** Lower-cased search fields of `op`, computed once per entry. */
  document(op: CatalogOperation): SearchDocument {
    let doc = this.#documents.get(op);
    if (!doc) {
      doc = searchDocument(op);
      this.#documents.set(op, doc);
    }
    return doc;
  }

  /** Replaces the entry of `spoke.name` (and its operations) with `spoke`. */
  put(spoke: CatalogSpoke): void {
    const old = this.#spokes.get(spoke.name);
    if (old?.operations !== spoke.operations) {
      if (old) this.#dropOperations(old);
      for (const op of spoke.operations.values()) this.#operations.set(op.name, op);
      this.#sorted = undefined;
    }
    this.#spokes.set(spoke.name, spoke);
  }

  /** Removes spoke `name` and its operations. */
  remove(name: string): void {
    const old = this.#spokes.get(name);
    if (!old) return;
    this.#dropOperations(old);
    this.#sorted = undefined;
    this.#spokes.delete(name);
  }

  #dropOperations(spoke: CatalogSpoke): void {
    for (const op of spoke.operations.values()) {
      if (this.#operations.get(op.name) === op) this.#operations.delete(op.name);
    }
  }
}
