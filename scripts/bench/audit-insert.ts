/**
 * What one audit row costs Postgres: the backend's CPU per row for each way of writing a batch, on a scratch
 * database with the hub's own migrations (so the `calls` table has its real indexes and check). The database's
 * work shares the cores with the relay on a one-box deployment, so this is the audit's cost that the
 * relay-throughput rows feel.
 *
 * Ways, each writing `--batches` batches of `--rows` rows encoded by the hub's own `CopyLineWriter`
 * (`jsonb`: as JSON arrays, the way the hub wrote them until the third session of 2026-12-07):
 *   copy    — the hub's batch write (`Store.copyFrom`: COPY FROM STDIN on a connection of its own)
 *   insert  — the hub's fallback after a refused batch (`insertCopyLines`: the COPY text split by Postgres,
 *             `on conflict (id) do nothing`)
 *   jsonb   — the statement used until the third session of 2026-12-07 (`jsonb_array_elements` over JSON arrays, 13 `->>` a row)
 *
 * Usage: bun scripts/bench/audit-insert.ts [--rows 5000] [--batches 30] [--rounds 2]
 */
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { CALL_COLUMNS, CopyLineWriter } from "../../src/audit/copy-rows.ts";
import { insertCopyLines } from "../../src/audit/statements.ts";
import { silentLogger } from "../../src/log/index.ts";
import type { CallRecord } from "../../src/router/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { createScratchDatabase, POSTGRES_ADMIN_URL } from "../../tests/support/scratch-database.ts";
import { CLOCK_TICKS_PER_S, positiveIntArg, postgresBackendTicks } from "./support/index.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "5000" },
    batches: { type: "string", default: "30" },
    rounds: { type: "string", default: "2" },
  },
});
const count = (name: keyof typeof values) => positiveIntArg(name, values[name]);
const ROWS = count("rows");
const BATCHES = count("batches");
const ROUNDS = count("rounds");

type Way = "copy" | "insert" | "jsonb";
const WAYS: Way[] = ["copy", "insert", "jsonb"];

/** A finished call as the router records it; ids and times move on with `i`. */
function record(i: number, now: number): CallRecord {
  return {
    requestId: `hc0ffee12-${i}`,
    operation: "dev1.echo",
    spokeName: "dev1",
    callerKeyId: i % 4 ? "k_0123456789abcdef" : null,
    outcome: i % 50 ? "ok" : "error",
    errorCode: i % 50 ? null : "SPOKE_ERROR",
    startedAt: now - 1,
    finishedAt: now,
    inputBytes: 48,
    outputBytes: 52,
  };
}

/** `BATCHES` batches, each as the given way reads it. */
function encodeBatches(way: Way, from: number): string[] {
  const writer = new CopyLineWriter();
  const batches: string[] = [];
  const now = Date.now();
  for (let b = 0; b < BATCHES; b++) {
    let text = "";
    for (let i = 0; i < ROWS; i++) {
      const line = writer.line(record(from + b * ROWS + i, now), "inst-bench");
      text += way === "jsonb" ? `,${jsonArrayOfLine(line)}` : line;
    }
    batches.push(way === "jsonb" ? `[${text.slice(1)}]` : text);
  }
  return batches;
}

/** A line's fields as a JSON array (NULL as null), the form the `jsonb` way reads; the bench's rows need no unescaping. */
function jsonArrayOfLine(line: string): string {
  return JSON.stringify(
    line
      .slice(0, -1)
      .split("\t")
      .map((field) => (field === "\\N" ? null : field)),
  );
}

async function write(way: Way, store: Store, batch: string): Promise<void> {
  if (way === "copy") return store.copyFrom("calls", CALL_COLUMNS, [batch], 10_000);
  if (way === "insert") return insertCopyLines(store.db, batch, 10_000);
  await store.db.execute(sql`insert into calls (id, request_id, operation, spoke_name, caller_key_id, outcome,
        error_code, started_at, finished_at, duration_ms, input_bytes, output_bytes, instance_id)
      select r->>0, r->>1, r->>2, r->>3, r->>4, r->>5, r->>6,
        (r->>7)::timestamptz, (r->>8)::timestamptz, (r->>9)::float8,
        (r->>10)::int4, (r->>11)::int4, r->>12
      from jsonb_array_elements(${batch}::text::jsonb) as r`);
}

const database = await createScratchDatabase("alkhub_bench_insert");
const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
const store = await openStore({
  postgres: { url: database.url },
  embedded: { dataDir: "/unused" },
  log: silentLogger,
});
await store.migrate();
const raw = postgres(database.url, { max: 1, onnotice: () => {} });
const results = new Map<Way, number[]>(WAYS.map((w) => [w, []]));
try {
  let next = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const way of WAYS) {
      const batches = encodeBatches(way, next);
      next += BATCHES * ROWS;
      const before = await postgresBackendTicks(admin, database.name);
      for (const batch of batches) await write(way, store, batch);
      const after = await postgresBackendTicks(admin, database.name);
      results.get(way)!.push(((after - before) * 1e6) / CLOCK_TICKS_PER_S / (BATCHES * ROWS));
    }
  }
  const [counted] = await raw<{ n: string }[]>`select count(*)::text as n from calls`;
  const n = counted?.n;
  if (Number(n) !== next) throw new Error(`expected ${next} rows, found ${n}`);
  console.log(
    `Postgres backend CPU per audit row (${BATCHES} batches × ${ROWS} rows, ${ROUNDS} rounds, µs):`,
  );
  for (const way of WAYS)
    console.log(
      `  ${way.padEnd(7)} ${results
        .get(way)!
        .map((us) => us.toFixed(1))
        .join("  ")}`,
    );
} finally {
  await raw.end();
  await store.close();
  await admin.end();
  await database.drop();
}
