/**
 * The call-time half of bounded validation (issue #10): before Ajv runs, one walk over the value — only as deep
 * as the schema does any work (`SchemaCost.reach`) — checks the caps on depth, array items, string length and
 * property counts, and adds up what checking it would cost (`SchemaCost.perNode`/`perChar` × the nodes and
 * characters at each depth). A value over a cap or over the work budget is refused with a message naming where,
 * so no value, however built, makes one check cost more than the budget.
 *
 * The walk allocates nothing on the accepted path; a value the schema only looks at the top of costs a few
 * steps whatever its size.
 */
import type { SchemaCost } from "./schema-cost.ts";

/** Caps on what one value may be (the `validation` config section). */
export interface ValueLimits {
  /** Deepest nesting checked; deeper values are refused where the schema looks that deep. */
  maxDepth: number;
  maxArrayItems: number;
  /** Longest string, in UTF-16 code units. */
  maxStringLength: number;
  maxProperties: number;
  /** Most work one check may do (steps: value nodes × per-node work + characters × per-character work). */
  maxWorkPerCheck: number;
}

/** The defaults of the `validation` config section. */
export const DEFAULT_VALUE_LIMITS: ValueLimits = {
  maxDepth: 64,
  maxArrayItems: 100_000,
  maxStringLength: 1_048_576,
  maxProperties: 10_000,
  maxWorkPerCheck: 1_000_000,
};

/** Where the walk stopped, and why: path segments are prepended while the recursion unwinds. */
interface Refusal {
  path: Array<string | number>;
  message: string;
}

/** Work counted by the walk in progress (one walk at a time: the loop is single-threaded). */
let work = 0;

/**
 * Checks `value` against the caps and the work budget for a schema of cost `cost`. Returns the problem as
 * `<root>/<json pointer>: …`, or `undefined` when the value may be checked.
 */
export function checkValueBounds(
  value: unknown,
  cost: SchemaCost,
  limits: ValueLimits,
  root: string,
): string | undefined {
  work = 0;
  const refusal = walk(value, 0, cost, limits);
  if (!refusal) return undefined;
  let where = root;
  for (const part of refusal.path) where += `/${String(part).replaceAll("~", "~0").replaceAll("/", "~1")}`;
  return `${where}: ${refusal.message}`;
}

function overBudget(limits: ValueLimits): Refusal {
  return {
    path: [],
    message: `too costly to check against this operation's schema (more than ${limits.maxWorkPerCheck} steps); send a smaller value`,
  };
}

function walk(value: unknown, depth: number, cost: SchemaCost, limits: ValueLimits): Refusal | undefined {
  work += cost.perNode[depth]!;
  if (typeof value === "string") {
    if (value.length > limits.maxStringLength) {
      return {
        path: [],
        message: `string is ${value.length} characters long; at most ${limits.maxStringLength} allowed`,
      };
    }
    work += value.length * cost.perChar[depth]!;
    return work > limits.maxWorkPerCheck ? overBudget(limits) : undefined;
  }
  if (work > limits.maxWorkPerCheck) return overBudget(limits);
  if (typeof value !== "object" || value === null) return undefined;
  const descend = depth < cost.reach;
  // A schema that still works at the deepest depth checked (recursive, or uniqueItems) would go deeper still.
  const bottomless = !descend && cost.reach >= limits.maxDepth;
  if (Array.isArray(value)) {
    if (value.length > limits.maxArrayItems) {
      return {
        path: [],
        message: `array has ${value.length} items; at most ${limits.maxArrayItems} allowed`,
      };
    }
    if (!descend) return bottomless && value.length > 0 ? tooDeep(limits) : undefined;
    for (let i = 0; i < value.length; i++) {
      const refusal = walk(value[i], depth + 1, cost, limits);
      if (refusal) {
        refusal.path.unshift(i);
        return refusal;
      }
    }
    return undefined;
  }
  if (!descend) {
    // Counting keys costs as much as walking them; only a schema that looks inside needs the count.
    if (bottomless) for (const key in value) if (Object.hasOwn(value, key)) return tooDeep(limits);
    return undefined;
  }
  let count = 0;
  const keyCost = cost.perChar[depth + 1] ?? 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (++count > limits.maxProperties) {
      return { path: [], message: `object has more than ${limits.maxProperties} properties` };
    }
    work += key.length * keyCost;
    const refusal = walk((value as Record<string, unknown>)[key], depth + 1, cost, limits);
    if (refusal) {
      refusal.path.unshift(key);
      return refusal;
    }
  }
  return undefined;
}

function tooDeep(limits: ValueLimits): Refusal {
  return { path: [], message: `nested deeper than ${limits.maxDepth} levels` };
}
