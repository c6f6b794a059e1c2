/**
 * Where the memory of held spokes goes: runs the hub in this process (from source, Postgres + Redis, the config
 * spokes-held gives it), registers `--spokes` fleet spokes twice over, and after each step reports RSS, JSC's heap
 * and the objects by type (bun:jsc `heapStats`, after a full GC). The second step's growth divided by its spokes
 * is the cost of one more spoke; object types are listed by how many of them each spoke adds. Then the growth of
 * each memory mapping (Bun's allocator arena holds the JS heap and native memory alike), RSS 10 s later, and RSS
 * once every fleet has gone. A diagnostic, not a benchmark row: the hub runs from source, in this process.
 *
 * Usage: bun scripts/bench/spokes-heap.ts [--spokes 2000] [--ops 10] [--processes 2] [--top 40]
 *          [--snapshot /tmp/s]   (heap snapshots after each step: /tmp/s-1.json, /tmp/s-2.json; compare them with
 *                                  bun scripts/bench/heap-diff.ts /tmp/s-1.json /tmp/s-2.json <spokes>)
 *          [--connect-only]      (the fleets connect without registering)
 *          [--no-redis]          (memory bus and presence)
 */
import { heapStats } from "bun:jsc";
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startHub } from "../../src/hub.ts";
import { createKey, type ProcessGroup, startSpokeFleets, UNREACHED, withBench } from "./support/index.ts";

const { values } = parseArgs({
  options: {
    spokes: { type: "string", default: "2000" },
    ops: { type: "string", default: "10" },
    processes: { type: "string", default: "2" },
    top: { type: "string", default: "40" },
    snapshot: { type: "string" },
    "connect-only": { type: "boolean", default: false },
    "no-redis": { type: "boolean", default: false },
  },
});
const SPOKES = Number(values.spokes);
const OPS = Number(values.ops);
const PROCESSES = Number(values.processes);

/** Rss per mapping (start address → KiB, with its size and name). */
function smaps(): Map<string, { rss: number; size: number; name: string }> {
  const out = new Map<string, { rss: number; size: number; name: string }>();
  let current = "";
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = head[1] ?? "";
      const size = (Number.parseInt(head[2] ?? "0", 16) - Number.parseInt(current, 16)) / 1024;
      out.set(current, { rss: 0, size, name: head[3] ?? "" });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      const m = out.get(current);
      if (m) m.rss = Number(rss[1]);
    }
  }
  return out;
}

function smapsDiff(a: ReturnType<typeof smaps>, b: ReturnType<typeof smaps>): void {
  const rows: [string, number, number, string][] = [];
  for (const [addr, m] of b) {
    const d = m.rss - (a.get(addr)?.rss ?? 0);
    if (Math.abs(d) >= 1024) rows.push([addr, d, m.size, m.name]);
  }
  for (const [addr, m] of a)
    if (!b.has(addr) && m.rss >= 1024) rows.push([addr, -m.rss, m.size, `${m.name} (gone)`]);
  rows.sort((x, y) => y[1] - x[1]);
  for (const [addr, d, size, name] of rows.slice(0, 25))
    console.log(
      `  ${(d / 1024).toFixed(1).padStart(7)} MiB  ${addr} size ${(size / 1024).toFixed(0)} MiB ${name}`,
    );
}

interface Sample {
  label: string;
  rssKib: number;
  /** Before the forced GC: what the bench reads. */
  rssNoGcKib: number;
  heapSize: number;
  heapCapacity: number;
  extraMemorySize: number;
  objectCount: number;
  types: Record<string, number>;
}

async function sample(label: string): Promise<Sample> {
  const rssNoGcKib = process.memoryUsage().rss / 1024;
  Bun.gc(true);
  await Bun.sleep(200);
  Bun.gc(true);
  const stats = heapStats();
  return {
    label,
    rssKib: process.memoryUsage().rss / 1024,
    rssNoGcKib,
    heapSize: stats.heapSize,
    heapCapacity: stats.heapCapacity,
    extraMemorySize: stats.extraMemorySize,
    objectCount: stats.objectCount,
    types: stats.objectTypeCounts,
  };
}

async function fleet(group: ProcessGroup, wsUrl: string, token: string, prefix: string) {
  const fleets = startSpokeFleets(group, {
    ...{ wsUrl, token, spokes: SPOKES, ops: OPS, processes: PROCESSES, prefix },
    connectOnly: values["connect-only"] === true,
  });
  for (const f of fleets) {
    const line = await f.waitForLine((l) => l.startsWith('{"ready"'), 240_000);
    const report = JSON.parse(line) as { registered: number; failed: number; firstError?: string };
    if (report.failed > 0) throw new Error(`fleet failed: ${report.failed} (${report.firstError})`);
  }
  return fleets;
}

function report(a: Sample, b: Sample, spokes: number): void {
  const per = (x: number, y: number) => (y - x) / spokes;
  console.log(
    `${a.label} → ${b.label}: per spoke RSS ${(per(a.rssKib, b.rssKib) * 1.024).toFixed(2)} KB` +
      ` (no GC ${(per(a.rssNoGcKib, b.rssNoGcKib) * 1.024).toFixed(2)} KB),` +
      ` heap ${(per(a.heapSize, b.heapSize) / 1000).toFixed(2)} KB` +
      ` (capacity ${(per(a.heapCapacity, b.heapCapacity) / 1000).toFixed(2)} KB),` +
      ` extra ${(per(a.extraMemorySize, b.extraMemorySize) / 1000).toFixed(2)} KB,` +
      ` objects ${per(a.objectCount, b.objectCount).toFixed(1)}`,
  );
  const types = new Set([...Object.keys(a.types), ...Object.keys(b.types)]);
  const rows = [...types]
    .map((t) => [t, per(a.types[t] ?? 0, b.types[t] ?? 0)] as const)
    .filter(([, n]) => Math.abs(n) >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .slice(0, Number(values.top));
  for (const [t, n] of rows) console.log(`  ${n.toFixed(2).padStart(8)}  ${t}`);
}

await withBench(async (ctx) => {
  const [redisUrl, db] = await Promise.all([ctx.redis(), ctx.database()]);
  const files = ctx.hubFiles({
    postgresUrl: db.url,
    redisUrl: values["no-redis"] ? undefined : redisUrl,
    extra: {
      limits: { perKey: { ...UNREACHED, maxConnections: 2 * SPOKES + 200 } },
      registration: { perKeyPerMinute: 20 * SPOKES, maxSchemaBytesPerKey: 1 << 30 },
    },
  });
  const token = await createKey(files);
  const hub = await startHub({
    configPath: files.configPath,
    masterKeyPath: files.keyPath,
    listen: { port: 0 },
    logSink: () => {},
  });
  try {
    const wsUrl = `${hub.url.replace("http", "ws")}/ws`;
    const s0 = await sample("0");
    const m0 = smaps();
    const a = await fleet(ctx.group, wsUrl, token, "a");
    await Bun.sleep(1000);
    const s1 = await sample(`${SPOKES}`);
    const m1 = smaps();
    if (values.snapshot)
      writeFileSync(`${values.snapshot}-1.json`, JSON.stringify(Bun.generateHeapSnapshot()));
    const b = await fleet(ctx.group, wsUrl, token, "b");
    await Bun.sleep(1000);
    const s2 = await sample(`${2 * SPOKES}`);
    const m2 = smaps();
    for (const s of [s0, s1, s2]) {
      console.log(
        `${s.label}: RSS ${(s.rssKib / 1024).toFixed(1)} MiB (before GC ${(s.rssNoGcKib / 1024).toFixed(1)}),` +
          ` heap ${(s.heapSize / 2 ** 20).toFixed(1)} MiB of ${(s.heapCapacity / 2 ** 20).toFixed(1)},` +
          ` extra ${(s.extraMemorySize / 2 ** 20).toFixed(1)} MiB`,
      );
    }
    report(s0, s1, SPOKES);
    report(s1, s2, SPOKES);
    if (values.snapshot)
      writeFileSync(`${values.snapshot}-2.json`, JSON.stringify(Bun.generateHeapSnapshot()));
    await Bun.sleep(10_000);
    const late = await sample("10 s later");
    const m3 = smaps();
    console.log("mappings 0 → 1:");
    smapsDiff(m0, m1);
    console.log("mappings 1 → 2:");
    smapsDiff(m1, m2);
    console.log("mappings 2 → 10 s later:");
    smapsDiff(m2, m3);
    console.log(
      `10 s later: RSS ${(late.rssKib / 1024).toFixed(1)} MiB (before GC ${(late.rssNoGcKib / 1024).toFixed(1)})`,
    );
    for (const f of [...a, ...b]) await f.stop();
    await Bun.sleep(2000);
    const gone = await sample("all closed");
    console.log(
      `all closed: RSS ${(gone.rssKib / 1024).toFixed(1)} MiB, heap ${(gone.heapSize / 2 ** 20).toFixed(1)} MiB`,
    );
  } finally {
    await hub.stop();
  }
});
