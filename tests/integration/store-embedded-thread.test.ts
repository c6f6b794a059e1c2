// alkhub-test: once
/**
 * Issue #11: nothing the embedded store does may delay a frame on the relay's thread. PGlite runs in its own
 * worker, so while it is busy (a statement that holds it for seconds, a big COPY like the audit's) this thread's
 * timers keep firing. Lag is the longest gap between ticks of a 10 ms interval; in-thread PGlite made that gap
 * as long as the statement. The bound is generous (a busy 2-core box stalls timers by a few hundred ms).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, sql } from "drizzle-orm";
import { silentLogger } from "../../src/log/index.ts";
import { accounts, openStore, type Store } from "../../src/store/index.ts";

// A first initdb took 45–95 s on the shared 2-core box under load (the in-thread store as much as the worker).
const PGLITE_START_MS = 180_000;
const BUSY_MS = 3_000;
/** Far below BUSY_MS: a store on this thread would show a gap as long as the statement. */
const LAG_BOUND_MS = 1_500;
const COPY_ROWS = 50_000;

const dataDir = mkdtempSync(join(tmpdir(), "alkhub-thread-"));
let store: Store;
beforeAll(async () => {
  store = await openStore({ embedded: { dataDir }, log: silentLogger, command: "thread test" });
  await store.migrate();
}, PGLITE_START_MS);
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `work` while a 10 ms interval ticks on this thread; returns how long it took and the longest gap. */
async function lagDuring(work: () => Promise<unknown>): Promise<{ tookMs: number; maxGapMs: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 10);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(ticker);
  }
  const end = performance.now();
  return { tookMs: end - started, maxGapMs: Math.max(maxGapMs, end - last) };
}

test("a statement that holds the store for seconds does not hold this thread", async () => {
  const { tookMs, maxGapMs } = await lagDuring(() =>
    store.db.execute(sql.raw(`select pg_sleep(${BUSY_MS / 1000})`)),
  );
  expect(tookMs).toBeGreaterThanOrEqual(BUSY_MS - 50);
  expect(maxGapMs).toBeLessThan(LAG_BOUND_MS);
}, 60_000);

test("a big COPY (the audit's way of writing) runs in the worker while this thread keeps ticking", async () => {
  const lines = Array.from({ length: COPY_ROWS }, (_, i) => `copy-account-${i}\n`);
  const chunks: string[] = [];
  for (let i = 0; i < lines.length; i += 10_000) chunks.push(lines.slice(i, i + 10_000).join(""));
  const { maxGapMs } = await lagDuring(() => store.copyFrom!("accounts", ["name"], chunks, 60_000));
  const [row] = await store.db
    .select({ n: count() })
    .from(accounts)
    .where(sql`${accounts.name} like 'copy-account-%'`);
  expect(row?.n).toBe(COPY_ROWS);
  expect(maxGapMs).toBeLessThan(LAG_BOUND_MS);
}, 120_000);

test("other queries wait behind a busy store and are answered once it is free", async () => {
  const busy = store.db.execute(sql.raw("select pg_sleep(1)"));
  const [row] = await store.db.select({ n: count() }).from(accounts);
  await busy;
  expect(row?.n).toBe(COPY_ROWS);
}, 60_000);
