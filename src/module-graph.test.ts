/**
 * The import rules of docs/architecture.md, checked by reading the files: the modules of `src/` (its folders;
 * each top-level file such as `hub.ts` or `errors.ts` is a module of its own) form no cycle — type-only imports included, since
 * a cycle of types is still two modules that cannot be understood one without the other — and `protocol/` and
 * `sdk/` import no server module. Tests are left out: they may reach across as they like.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";

const SRC = import.meta.dir;

// Static imports and re-exports (`from "x"`), side-effect imports and dynamic `import("x")`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

/** Modules that must not depend on server code: what they may import besides themselves. */
const CLIENT_SIDE: Record<string, readonly string[]> = { protocol: [], sdk: ["protocol"] };

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (entry.endsWith(".ts") && !entry.endsWith(".test.ts") && !entry.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** The module a file of `src/` belongs to: its top folder, or the file itself when it sits directly in `src/`. */
function moduleOf(file: string): string {
  return relative(SRC, file).split(sep)[0] as string;
}

/** Module → modules it imports, each with one file that shows the edge. */
export function moduleGraph(files: string[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = moduleOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const match of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      const spec = match[1] as string;
      if (!spec.startsWith(".")) continue;
      const target = resolve(file, "..", spec);
      if (relative(SRC, target).startsWith("..")) continue;
      const to = moduleOf(target);
      if (to !== from && !edges.has(to)) edges.set(to, relative(SRC, file));
    }
  }
  return graph;
}

/** Every strongly connected group of more than one module (Tarjan), each sorted; empty when acyclic. */
export function cycles(graph: Map<string, Map<string, string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1) found.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** One line per cycle, naming the files that close it. */
function describe(graph: Map<string, Map<string, string>>, group: string[]): string {
  const members = new Set(group);
  const edges: string[] = [];
  for (const from of group) {
    for (const [to, file] of graph.get(from) ?? []) {
      if (members.has(to)) edges.push(`${from} → ${to} (${file})`);
    }
  }
  return `${group.join(" ⇄ ")}: ${edges.join("; ")}`;
}

const graph = moduleGraph(sourceFiles(SRC));

test("no import cycle between the modules of src/", () => {
  expect(graph.size).toBeGreaterThan(10);
  const found = cycles(graph).map((group) => describe(graph, group));
  if (found.length > 0) console.error(found.join("\n"));
  expect(found).toEqual([]);
});

test("protocol/ and sdk/ import no server module", () => {
  const found: string[] = [];
  for (const [module, allowed] of Object.entries(CLIENT_SIDE)) {
    for (const [to, file] of graph.get(module) ?? []) {
      if (!allowed.includes(to)) found.push(`${file} imports ${to}/`);
    }
  }
  expect(found).toEqual([]);
});

test("the cycle finder finds a cycle and only a cycle", () => {
  const edges = (pairs: [string, string][]) => {
    const g = new Map<string, Map<string, string>>();
    for (const [from, to] of pairs) {
      if (!g.has(from)) g.set(from, new Map());
      if (!g.has(to)) g.set(to, new Map());
      g.get(from)!.set(to, `${from}/x.ts`);
    }
    return g;
  };
  expect(
    cycles(
      edges([
        ["a", "b"],
        ["b", "c"],
      ]),
    ),
  ).toEqual([]);
  expect(
    cycles(
      edges([
        ["a", "b"],
        ["b", "c"],
        ["c", "a"],
        ["c", "d"],
      ]),
    ),
  ).toEqual([["a", "b", "c"]]);
});
