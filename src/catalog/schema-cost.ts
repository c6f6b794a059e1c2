/**
 * What checking a value against a schema may cost, worked out once when the schema is registered (issue #10):
 * for each depth below the root, how much work one value node at that depth can cause (`perNode[d]`) and how
 * much each character of a string at that depth can cause (`perChar[d]`, patterns and length rules). The call
 * path multiplies these by the size of the actual value (value-bounds.ts) and refuses what would cost too much,
 * before Ajv runs.
 *
 * Schemas that cannot be bounded are refused here, naming the schema path: a `$ref` cycle that never moves to a
 * child value (endless recursion on one value), branches that multiply so one value is checked more than
 * `maxWorkPerValue` times (a `oneOf` chain of `$ref`s doubles per link), and patterns the linear regex engine
 * cannot run.
 */
import { compileLinearPattern, PatternError } from "./linear-regexp.ts";

/** A schema whose checking cost cannot be bounded; `message` names the schema path. */
export class SchemaBoundsError extends Error {
  override readonly name = "SchemaBoundsError";
}

/** The bounds of a registered schema (see the module comment). */
export interface SchemaCost {
  /** Work per value node at depth d (index d), for d = 0 … maxDepth. */
  readonly perNode: Float64Array;
  /** Work per string character at depth d (patterns, length rules). */
  readonly perChar: Float64Array;
  /** The deepest depth at which the schema still does any work (the value walk stops below it). */
  readonly reach: number;
}

/** Limits of the analysis. */
export interface SchemaCostLimits {
  /** Deepest value depth considered (deeper values are refused when the schema reaches that far). */
  maxDepth: number;
  /** Most work one value node (or one character) may cause. */
  maxWorkPerValue: number;
}

interface Node {
  path: string;
  /** Own work on the value it is applied to. */
  weight: number;
  /** Own work per character when the value is a string. */
  charWeight: number;
  /** Subschemas applied to the same value. */
  same: number[];
  /** Child-value applicators: each group's children add up, alternatives within a group take the max. */
  sumChildren: number[];
  maxChildren: number[][];
}

/** Deepest JSON nesting of a schema document (Ajv compiles it recursively, into nested code). */
export const MAX_SCHEMA_NESTING = 256;

/** Work per value node under `uniqueItems` (serialising it and a Set lookup, several plain checks' worth). */
const UNIQUE_ITEM_WORK = 8;
/** Work per character per pattern instruction (the linear engine's step costs about two plain checks). */
const PATTERN_STEP_WORK = 2;

/** Stands for "every value below" (uniqueItems compares whole items): work 1 at every depth. */
const EVERY_VALUE = 0;

const SAME_ARRAYS = ["allOf", "anyOf", "oneOf"] as const;
const SAME_SINGLE = ["not", "if", "then", "else"] as const;
const REFS = ["$ref", "$dynamicRef", "$recursiveRef"] as const;
const CHILD_SINGLE = [
  "additionalProperties",
  "unevaluatedProperties",
  "propertyNames",
  "additionalItems",
  "contains",
  "unevaluatedItems",
] as const;

const escapePointer = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");

/** Analyses `root` (a parsed JSON Schema); throws `SchemaBoundsError` for what cannot be bounded. */
export function analyseSchema(root: unknown, limits: SchemaCostLimits): SchemaCost {
  const graph = new SchemaGraph(root);
  return graph.cost(limits);
}

class SchemaGraph {
  readonly nodes: Node[] = [
    { path: "", weight: 1, charWeight: 0, same: [], sumChildren: [EVERY_VALUE], maxChildren: [] },
  ];
  readonly #ids = new Map<object, number>();
  /** `$id` values and `$anchor`/`$dynamicAnchor` names → the schema object. */
  readonly #named = new Map<string, object>();
  /** Where each schema object sits in the document (the first place met), for messages. */
  readonly #paths = new Map<object, string>();
  /** The resource (root, or nearest schema with its own `$id`) each schema object belongs to. */
  readonly #resources = new Map<object, unknown>();
  readonly #root: unknown;
  /** Refs to resolve once every schema object is known: node index, ref text, resource root, path. */
  readonly #pendingRefs: Array<{ node: number; ref: string; resource: unknown; path: string }> = [];
  readonly rootNode: number;

  constructor(root: unknown) {
    this.#root = root;
    this.#collectNames(root, "", 0, root);
    this.rootNode = this.#add(root, "");
    for (const pending of this.#pendingRefs) {
      const target = this.#resolve(pending.ref, pending.resource);
      if (target === undefined) {
        throw new SchemaBoundsError(
          `schema path ${pending.path || "/"}: $ref ${JSON.stringify(pending.ref)} does not resolve within this schema`,
        );
      }
      const path = typeof target === "object" && target !== null ? this.#paths.get(target) : undefined;
      this.nodes[pending.node]!.same.push(this.#add(target, path ?? pending.path));
    }
  }

  #collectNames(value: unknown, path: string, depth: number, resource: unknown): void {
    if (typeof value !== "object" || value === null || this.#paths.has(value)) return;
    if (depth > MAX_SCHEMA_NESTING) {
      throw new SchemaBoundsError(
        `schema path ${path}: the schema is nested more than ${MAX_SCHEMA_NESTING} levels deep`,
      );
    }
    this.#paths.set(value, path);
    let scope = resource;
    if (!Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      if (typeof record.$id === "string" && !record.$id.startsWith("#")) scope = value;
      this.#resources.set(value, scope);
      for (const key of ["$id", "$anchor", "$dynamicAnchor", "id"] as const) {
        const name = record[key];
        if (typeof name === "string" && name.length > 0) {
          this.#named.set(key === "$id" || key === "id" ? name.replace(/#$/, "") : `#${name}`, value);
        }
      }
    }
    for (const [key, child] of Object.entries(value))
      this.#collectNames(child, `${path}/${escapePointer(key)}`, depth + 1, scope);
  }

  #resolve(ref: string, resource: unknown): unknown {
    const hash = ref.indexOf("#");
    const base = hash < 0 ? ref : ref.slice(0, hash);
    const fragment = hash < 0 ? "" : ref.slice(hash + 1);
    let doc: unknown = resource;
    if (base !== "") {
      doc = this.#named.get(base);
      if (doc === undefined) return undefined;
    }
    if (fragment === "") return doc;
    if (!fragment.startsWith("/")) return this.#named.get(`#${fragment}`);
    let at: unknown = doc;
    for (const raw of fragment.slice(1).split("/")) {
      const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      if (typeof at !== "object" || at === null || !(key in at)) return undefined;
      at = (at as Record<string, unknown>)[key];
    }
    return at;
  }

  /** The node of schema `schema` at `path` (boolean schemas and non-objects are leaves). */
  #add(schema: unknown, path: string): number {
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
      this.nodes.push({ path, weight: 1, charWeight: 0, same: [], sumChildren: [], maxChildren: [] });
      return this.nodes.length - 1;
    }
    const known = this.#ids.get(schema);
    if (known !== undefined) return known;
    const index = this.nodes.length;
    const node: Node = { path, weight: 1, charWeight: 0, same: [], sumChildren: [], maxChildren: [] };
    this.nodes.push(node);
    this.#ids.set(schema, index);
    const s = schema as Record<string, unknown>;
    const scope = this.#resources.get(schema) ?? this.#root;
    const at = (key: string) => `${path}/${escapePointer(key)}`;
    const sub = (value: unknown, where: string) => this.#add(value, where);

    node.weight += ownWeight(s);
    if (typeof s.pattern === "string") node.charWeight += patternCost(s.pattern, at("pattern"));
    if (typeof s.maxLength === "number" || typeof s.minLength === "number") node.charWeight += 1;

    for (const key of SAME_ARRAYS) {
      const list = s[key];
      if (!Array.isArray(list)) continue;
      for (const [i, item] of list.entries()) node.same.push(sub(item, `${at(key)}/${i}`));
    }
    for (const key of SAME_SINGLE) if (key in s) node.same.push(sub(s[key], at(key)));
    for (const key of ["dependentSchemas", "dependencies"] as const) {
      const map = s[key];
      if (typeof map !== "object" || map === null) continue;
      for (const [name, value] of Object.entries(map)) {
        if (!Array.isArray(value)) node.same.push(sub(value, `${at(key)}/${escapePointer(name)}`));
      }
    }
    for (const key of REFS) {
      if (typeof s[key] === "string") {
        this.#pendingRefs.push({ node: index, ref: s[key] as string, resource: scope, path: at(key) });
      }
    }

    if (typeof s.properties === "object" && s.properties !== null) {
      node.maxChildren.push(
        Object.entries(s.properties).map(([name, value]) =>
          sub(value, `${at("properties")}/${escapePointer(name)}`),
        ),
      );
    }
    if (typeof s.patternProperties === "object" && s.patternProperties !== null) {
      for (const [pattern, value] of Object.entries(s.patternProperties)) {
        const where = `${at("patternProperties")}/${escapePointer(pattern)}`;
        const child = sub(value, where);
        // The pattern runs on every key of the object: its cost lands on the key, one level down.
        const keyCost = this.nodes.length;
        this.nodes.push({
          path: where,
          weight: 1,
          charWeight: patternCost(pattern, where),
          same: [],
          sumChildren: [],
          maxChildren: [],
        });
        node.sumChildren.push(child, keyCost);
      }
    }
    for (const key of CHILD_SINGLE) if (key in s) node.sumChildren.push(sub(s[key], at(key)));
    if (Array.isArray(s.prefixItems)) {
      node.maxChildren.push(s.prefixItems.map((item, i) => sub(item, `${at("prefixItems")}/${i}`)));
    }
    if (Array.isArray(s.items)) {
      node.maxChildren.push(s.items.map((item, i) => sub(item, `${at("items")}/${i}`)));
    } else if ("items" in s) {
      node.sumChildren.push(sub(s.items, at("items")));
    }
    if (s.uniqueItems === true) node.sumChildren.push(EVERY_VALUE);
    return index;
  }

  /** Nodes in an order where every same-value subschema comes before its user; throws on a cycle. */
  #order(): number[] {
    const state = new Uint8Array(this.nodes.length); // 0 new, 1 on the stack, 2 done
    const order: number[] = [];
    const visit = (start: number) => {
      const stack: Array<[number, number]> = [[start, 0]];
      state[start] = 1;
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const node = this.nodes[top[0]]!;
        if (top[1] < node.same.length) {
          const next = node.same[top[1]++]!;
          if (state[next] === 1) {
            throw new SchemaBoundsError(
              `schema path ${this.nodes[next]!.path || "/"}: $ref cycle: it applies to the same value again without end`,
            );
          }
          if (state[next] === 0) {
            state[next] = 1;
            stack.push([next, 0]);
          }
          continue;
        }
        state[top[0]] = 2;
        order.push(top[0]);
        stack.pop();
      }
    };
    for (let i = 0; i < this.nodes.length; i++) if (state[i] === 0) visit(i);
    return order;
  }

  cost(limits: SchemaCostLimits): SchemaCost {
    const order = this.#order();
    const depths = limits.maxDepth + 1;
    const perNode = new Float64Array(depths);
    const perChar = new Float64Array(depths);
    let previousWork = new Float64Array(this.nodes.length);
    let previousChars = new Float64Array(this.nodes.length);
    let reach = 0;
    for (let d = 0; d < depths; d++) {
      const work = new Float64Array(this.nodes.length);
      const chars = new Float64Array(this.nodes.length);
      let any = false;
      for (const index of order) {
        const node = this.nodes[index]!;
        let w = d === 0 ? node.weight : 0;
        let c = d === 0 ? node.charWeight : 0;
        for (const same of node.same) {
          w += work[same]!;
          c += chars[same]!;
        }
        if (d > 0) {
          for (const child of node.sumChildren) {
            w += previousWork[child]!;
            c += previousChars[child]!;
          }
          for (const group of node.maxChildren) {
            let mw = 0;
            let mc = 0;
            for (const child of group) {
              mw = Math.max(mw, previousWork[child]!);
              mc = Math.max(mc, previousChars[child]!);
            }
            w += mw;
            c += mc;
          }
        }
        if (index === EVERY_VALUE) w = UNIQUE_ITEM_WORK;
        work[index] = w;
        chars[index] = c;
        if (index !== EVERY_VALUE && (w > 0 || c > 0)) any = true;
      }
      const rootWork = work[this.rootNode]!;
      const rootChars = chars[this.rootNode]!;
      if (rootWork > limits.maxWorkPerValue || rootChars > limits.maxWorkPerValue) {
        const culprit = this.#culprit(
          rootWork > limits.maxWorkPerValue ? work : chars,
          limits.maxWorkPerValue,
        );
        throw new SchemaBoundsError(
          `schema path ${culprit || "/"}: its branches (allOf/anyOf/oneOf/not/if/$ref) multiply so one value${d > 0 ? ` ${d} level(s) down` : ""} would be checked ${formatWork(Math.max(rootWork, rootChars))} times; at most ${limits.maxWorkPerValue} allowed`,
        );
      }
      perNode[d] = rootWork;
      perChar[d] = rootChars;
      if (rootWork > 0 || rootChars > 0) reach = d;
      if (!any) break;
      previousWork = work;
      previousChars = chars;
    }
    return { perNode, perChar, reach };
  }

  /** The deepest same-value subschema still over the limit, following the costliest branch from the root. */
  #culprit(work: Float64Array, limit: number): string {
    let at = this.rootNode;
    for (let steps = 0; steps < this.nodes.length; steps++) {
      let next = -1;
      for (const same of this.nodes[at]!.same) {
        if (work[same]! > limit && (next < 0 || work[same]! > work[next]!)) next = same;
      }
      if (next < 0) break;
      at = next;
    }
    return this.nodes[at]!.path;
  }
}

/** Work a schema object does on the value itself, beyond one step: lists it compares or walks. */
function ownWeight(s: Record<string, unknown>): number {
  let weight = 0;
  if (Array.isArray(s.enum)) weight += Math.ceil(JSON.stringify(s.enum).length / 16);
  if ("const" in s) weight += Math.ceil((JSON.stringify(s.const)?.length ?? 1) / 16);
  if (Array.isArray(s.required)) weight += s.required.length;
  if (typeof s.properties === "object" && s.properties !== null) weight += Object.keys(s.properties).length;
  if (typeof s.dependentRequired === "object" && s.dependentRequired !== null) {
    for (const list of Object.values(s.dependentRequired)) if (Array.isArray(list)) weight += list.length;
  }
  return weight;
}

function patternCost(pattern: string, path: string): number {
  try {
    return compileLinearPattern(pattern).programSize * PATTERN_STEP_WORK;
  } catch (error) {
    const reason = error instanceof PatternError ? error.message : String(error);
    throw new SchemaBoundsError(`schema path ${path}: ${reason}`);
  }
}

function formatWork(work: number): string {
  return Number.isFinite(work) && work < 1e15 ? String(Math.round(work)) : "unboundedly many";
}
