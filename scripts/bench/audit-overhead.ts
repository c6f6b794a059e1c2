/**
 * Micro-benchmark: what `CallAudit.record()` costs the hot path, per call, while a real store writes the queue in
 * the background (PERFORMANCE.md: call audit on costs ≤ 10 % of relay throughput; the end-to-end burst
 * comparison is a separate benchmark).
 *
 * Chunks of records are built exactly as the router would build them and handed either to `noopAudit` (the
 * baseline) or to a started `CallAudit`, alternating chunk by chunk so both see the same JIT and GC state. Only
 * the time inside the chunks is measured; between chunks the event loop runs, so the writer flushes
 * concurrently. When the queue passes half its limit the producer waits (unmeasured) so that every record
 * takes the accept path rather than the cheaper drop path.
 *
 * Usage: bun scripts/bench/audit-overhead.ts [--records 1000000] [--chunk 1000] [--batch-size 500]
 *          [--flush-interval-ms 1000] [--queue-limit 100000] [--postgres URL | --embedded]
 * Without --postgres or --embedded it creates a scratch database on postgres://postgres@127.0.0.1:5432 and
 * drops it afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { type AuditSink, CallAudit, type CallRecord } from "../../src/audit/index.ts";
import { MetricsRegistry } from "../../src/health/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import { noopAudit } from "../../src/router/index.ts";
import { calls, openStore, type Store } from "../../src/store/index.ts";
import { createScratchDatabase } from "../../tests/support/scratch-database.ts";
import { positiveIntArg } from "./support/index.ts";

const WARMUP_RECORDS = 100_000;

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    chunk: { type: "string", default: "1000" },
    "batch-size": { type: "string", default: "500" },
    "flush-interval-ms": { type: "string", default: "1000" },
    "queue-limit": { type: "string", default: "100000" },
    postgres: { type: "string" },
    embedded: { type: "boolean", default: false },
  },
});
const count = (name: keyof typeof values) => positiveIntArg(name, values[name]);
const RECORDS = count("records");
const CHUNK = count("chunk");
const QUEUE_LIMIT = count("queue-limit");

/** Opens the store to write into, and how to clean it up. */
async function openTarget(): Promise<{ store: Store; label: string; cleanup: () => Promise<void> }> {
  if (values.embedded) {
    const dataDir = mkdtempSync(join(tmpdir(), "alkhub-bench-audit-"));
    const store = await openStore({ embedded: { dataDir }, log: silentLogger, command: "audit bench" });
    return { store, label: "PGlite", cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  if (values.postgres) {
    const store = await openStore({
      postgres: { url: values.postgres },
      embedded: { dataDir: "/unused" },
      log: silentLogger,
    });
    return { store, label: "Postgres (given URL)", cleanup: async () => {} };
  }
  const database = await createScratchDatabase("alkhub_bench");
  const store = await openStore({
    postgres: { url: database.url },
    embedded: { dataDir: "/unused" },
    log: silentLogger,
  });
  return { store, label: "Postgres (scratch database)", cleanup: () => database.drop() };
}

/** Built the way the router builds one when a call finishes. */
function makeRecord(i: number, now: number): CallRecord {
  return {
    requestId: `r${i}`,
    operation: "bench.echo",
    spokeName: "bench",
    callerKeyId: "key000000001",
    outcome: "ok",
    errorCode: null,
    startedAt: now - 3,
    finishedAt: now,
    inputBytes: 64,
    outputBytes: 64,
  };
}

/** Runs one chunk through `sink`; returns the nanoseconds it took. */
function runChunk(sink: AuditSink, from: number, size: number): number {
  const now = Date.now();
  const started = Bun.nanoseconds();
  for (let i = from; i < from + size; i++) sink.record(makeRecord(i, now));
  return Bun.nanoseconds() - started;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function measure(audit: CallAudit, total: number) {
  const chunks = Math.ceil(total / CHUNK);
  // Per-chunk ns/op: the median is the steady cost, the sum also carries the GC pauses that landed in a chunk.
  const auditPerOp = new Float64Array(chunks);
  const baselinePerOp = new Float64Array(chunks);
  let auditNs = 0;
  let baselineNs = 0;
  let waits = 0;
  for (let c = 0; c < chunks; c++) {
    const from = c * CHUNK;
    const size = Math.min(CHUNK, total - from);
    let a: number;
    let b: number;
    // Alternate which goes first so neither always runs on a freshly collected heap.
    if (c % 2 === 0) {
      b = runChunk(noopAudit, from, size);
      a = runChunk(audit, from, size);
    } else {
      a = runChunk(audit, from, size);
      b = runChunk(noopAudit, from, size);
    }
    auditNs += a;
    baselineNs += b;
    auditPerOp[c] = a / size;
    baselinePerOp[c] = b / size;
    await yieldToLoop();
    if (audit.queued > QUEUE_LIMIT / 2) {
      waits++;
      while (audit.queued > QUEUE_LIMIT / 4) await Bun.sleep(1);
    }
  }
  return {
    auditNs,
    baselineNs,
    auditMedian: median(auditPerOp),
    baselineMedian: median(baselinePerOp),
    waits,
  };
}

function median(values: Float64Array): number {
  const sorted = values.slice().sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const target = await openTarget();
try {
  await target.store.migrate();
  const audit = new CallAudit({
    store: target.store,
    log: silentLogger,
    metrics: new MetricsRegistry(),
    instanceId: "bench",
    enabled: true,
    batchSize: count("batch-size"),
    flushIntervalMs: count("flush-interval-ms"),
    queueLimit: QUEUE_LIMIT,
    retentionDays: 7,
  });
  audit.start();
  await measure(audit, WARMUP_RECORDS);
  await audit.flush();
  const writtenBefore = audit.written;

  const started = performance.now();
  const result = await measure(audit, RECORDS);
  const produced = performance.now();
  await audit.stop();
  const drained = performance.now();

  const [row] = await target.store.db.select({ n: sql<number>`count(*)::int` }).from(calls);
  const mean = (ns: number) => (ns / RECORDS).toFixed(1);
  const overheadMedian = (result.auditMedian - result.baselineMedian).toFixed(1);
  const written = audit.written - writtenBefore;
  console.log(`store: ${target.label}; ${RECORDS.toLocaleString("en")} records, chunks of ${CHUNK}`);
  console.log("                           median of chunks   mean (with GC pauses)");
  const line = (label: string, med: number | string, avg: string) =>
    console.log(
      `  ${label.padEnd(24)} ${String(typeof med === "number" ? med.toFixed(1) : med).padStart(8)} ns/op   ${avg.padStart(8)} ns/op`,
    );
  line("record() with CallAudit", result.auditMedian, mean(result.auditNs));
  line("record() with noopAudit", result.baselineMedian, mean(result.baselineNs));
  line("audit overhead", overheadMedian, mean(result.auditNs - result.baselineNs));
  console.log("  (noopAudit: building the record the way the router does, plus a call that does nothing)");
  console.log(
    `  written ${written.toLocaleString("en")}, dropped ${audit.dropped}, rows in table ${row?.n.toLocaleString("en")}; ` +
      `producer paused ${result.waits}× for the writer`,
  );
  const seconds = (drained - started) / 1000;
  console.log(
    `  writer: ${Math.round(written / seconds).toLocaleString("en")} rows/s over ${seconds.toFixed(2)} s ` +
      `(final drain ${(drained - produced).toFixed(0)} ms)`,
  );
  console.log(
    `audit-overhead: ${overheadMedian} ns/op (median), ${mean(result.auditNs - result.baselineNs)} ns/op (mean)`,
  );
} finally {
  await target.store.close();
  await target.cleanup();
}
