/**
 * Compares two heap snapshots (`Bun.generateHeapSnapshot()`, as spokes-heap.ts writes them): objects grouped by
 * class, property names and the edge that first reaches them, with how many each `<per>` (spoke) adds and their
 * bytes, largest first. Maps and Sets own their storage as a `Cell Butterfly` reached from `Map.(int)`.
 *
 * Usage: bun scripts/bench/heap-diff.ts before.json after.json <per>
 */
import { readFileSync } from "node:fs";

/** The fields of Bun's (JSC Inspector) heap snapshot read here: 4 numbers a node, 4 an edge. */
interface Snapshot {
  nodes: number[];
  nodeClassNames: string[];
  edges: number[];
  edgeTypes: string[];
  edgeNames: string[];
}

function load(path: string) {
  const s = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const node = (i: number, field: number) => s.nodes[i * 4 + field] ?? 0;
  const edge = (e: number, field: number) => s.edges[e + field] ?? 0;
  const N = s.nodes.length / 4;
  const idx = new Map<number, number>();
  for (let i = 0; i < N; i++) idx.set(node(i, 0), i);
  const names: string[][] = Array.from({ length: N }, () => []);
  const parents: string[] = Array.from({ length: N }, () => "");
  for (let e = 0; e < s.edges.length; e += 4) {
    const from = idx.get(edge(e, 0)) ?? 0;
    const to = idx.get(edge(e, 1)) ?? 0;
    const type = s.edgeTypes[edge(e, 2)];
    const nm = type === "Index" ? "[i]" : (s.edgeNames[edge(e, 3)] ?? "");
    if (type === "Property" || type === "Variable" || type === "Index") names[from]?.push(nm);
    if (!parents[to])
      parents[to] = `${s.nodeClassNames[node(from, 2)]}.${type === "Internal" ? "(int)" : nm}`;
  }
  const agg = new Map<string, { n: number; size: number }>();
  for (let i = 0; i < N; i++) {
    const cls = s.nodeClassNames[node(i, 2)];
    const props = [...new Set(names[i] ?? [])].sort().slice(0, 12).join(",");
    const key = `${cls} {${props}} <- ${parents[i]}`;
    const a = agg.get(key) ?? { n: 0, size: 0 };
    a.n++;
    a.size += node(i, 1);
    agg.set(key, a);
  }
  return agg;
}
const [a, b] = [load(Bun.argv[2] ?? ""), load(Bun.argv[3] ?? "")];
const per = Number(Bun.argv[4]);
const keys = new Set([...a.keys(), ...b.keys()]);
const rows = [...keys]
  .map((k) => {
    const x = a.get(k) ?? { n: 0, size: 0 };
    const y = b.get(k) ?? { n: 0, size: 0 };
    return [k, (y.n - x.n) / per, (y.size - x.size) / per] as const;
  })
  .filter((r) => Math.abs(r[2]) >= 5)
  .sort((p, q) => q[2] - p[2]);
let t = 0;
for (const r of rows) t += r[2];
console.log("total B/spoke", t.toFixed(0));
for (const [k, n, sz] of rows.slice(0, 50))
  console.log(n.toFixed(2).padStart(7), sz.toFixed(0).padStart(6), k.slice(0, 220));
