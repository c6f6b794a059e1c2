// alkhub-test: once
/**
 * The call audit against both stores: real Postgres (a fresh database, reached through a TCP proxy so a test
 * can take it away) and embedded PGlite (a temp data dir; there the `calls` table is renamed away instead).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, sql } from "drizzle-orm";
import { CALL_COLUMNS, CopyLineWriter } from "../../src/audit/copy-rows.ts";
import {
  CallAudit,
  type CallAuditOptions,
  type CallOutcome,
  type CallRecord,
} from "../../src/audit/index.ts";
import { insertCopyLines } from "../../src/audit/statements.ts";
import { MetricsRegistry } from "../../src/health/index.ts";
import { createLogger, silentLogger } from "../../src/log/index.ts";
import { calls, openStore, type Store } from "../../src/store/index.ts";
import { eventually } from "../support/eventually.ts";
import { createTestDatabase, describeWithServices, type TestDatabase } from "../support/services.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

// A first initdb took 45–95 s on the shared 2-core box under load (the in-thread store as much as the worker).
const PGLITE_START_MS = 180_000;
const OUTAGE_TEST_MS = 30_000;
const CLOSE_MS = 20_000;
const DAY_MS = 86_400_000;
const OUTCOMES: CallOutcome[] = ["ok", "error", "aborted", "timeout"];

interface Backend {
  store: Store;
  /** Makes every write fail until `giveBack()`. */
  takeAway(): Promise<void>;
  giveBack(): Promise<void>;
  close(): Promise<void>;
}

function callRecord(i: number, base = Date.now()): CallRecord {
  const outcome = OUTCOMES[i % 4]!;
  return {
    requestId: `req-${i}`,
    operation: `spoke${i % 3}.op.${i % 11}`,
    spokeName: i % 7 === 0 ? null : `spoke${i % 3}`,
    callerKeyId: i % 5 === 0 ? null : `key${String(i % 13).padStart(9, "0")}`,
    outcome,
    errorCode: outcome === "ok" ? null : `E_${outcome.toUpperCase()}`,
    startedAt: base + i,
    finishedAt: base + i + (i % 100),
    inputBytes: i,
    outputBytes: 2 * i,
  };
}

/** A check for `eventually`: flush, then say whether nothing is left queued. */
const drained = (audit: CallAudit) => async () => {
  await audit.flush();
  return audit.queued === 0;
};

function auditSuite(kind: string, open: () => Promise<Backend>): void {
  let backend: Backend;
  let store: Store;
  beforeAll(async () => {
    backend = await open();
    store = backend.store;
    await store.migrate();
  }, PGLITE_START_MS);
  // After a lost connection, postgres.js under Bun waits out the store's whole 5 s close timeout.
  afterAll(async () => {
    await backend?.close();
  }, CLOSE_MS);
  beforeEach(async () => {
    await store.db.delete(calls);
  });

  const lines: Record<string, unknown>[] = [];
  const messages = (level: string) => lines.filter((l) => l.level === level).map((l) => String(l.msg));
  const makeAudit = (overrides: Partial<CallAuditOptions> = {}) => {
    lines.length = 0;
    const metrics = new MetricsRegistry();
    const audit = new CallAudit({
      store,
      log: createLogger({ sink: (line) => lines.push(JSON.parse(line)) }),
      metrics,
      instanceId: `inst-${kind}`,
      enabled: true,
      batchSize: 500,
      flushIntervalMs: 60_000,
      queueLimit: 10_000,
      retentionDays: 7,
      writeTimeoutMs: 3_000,
      ...overrides,
    });
    const metric = (name: string) =>
      Number(metrics.render().match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1] ?? 0);
    return { audit, metric };
  };
  const rowCount = async () => (await store.db.select({ n: sql<number>`count(*)::int` }).from(calls))[0]!.n;

  test("5,000 records become exactly 5,000 rows with the right fields", async () => {
    const { audit, metric } = makeAudit();
    const base = Date.UTC(2026, 10, 26, 12);
    const records = Array.from({ length: 5000 }, (_, i) => callRecord(i, base));
    for (const r of records) audit.record(r);
    expect(audit.queued).toBe(5000);
    expect(await audit.flush()).toBe(5000);
    expect({ queued: audit.queued, written: audit.written, dropped: audit.dropped }).toEqual({
      queued: 0,
      written: 5000,
      dropped: 0,
    });
    expect(metric("alkhub_audit_written_total")).toBe(5000);

    const [summary] = await store.db
      .select({
        n: sql<number>`count(*)::int`,
        ids: sql<number>`count(distinct ${calls.requestId})::int`,
        input: sql<number>`sum(${calls.inputBytes})::int`,
        output: sql<number>`sum(${calls.outputBytes})::int`,
        duration: sql<number>`sum(${calls.durationMs})::int`,
        timeouts: sql<number>`count(*) filter (where ${calls.outcome} = 'timeout')::int`,
        noSpoke: sql<number>`count(*) filter (where ${calls.spokeName} is null)::int`,
        noKey: sql<number>`count(*) filter (where ${calls.callerKeyId} is null)::int`,
        instances: sql<number>`count(distinct ${calls.instanceId})::int`,
      })
      .from(calls);
    expect(summary).toEqual({
      n: 5000,
      ids: 5000,
      input: (4999 * 5000) / 2,
      output: 4999 * 5000,
      duration: records.reduce((sum, r) => sum + (r.finishedAt - r.startedAt), 0),
      timeouts: 1250,
      noSpoke: Math.ceil(5000 / 7),
      noKey: 1000,
      instances: 1,
    });

    const rows = await store.db.select().from(calls).orderBy(asc(calls.startedAt)).limit(3);
    expect(rows.map(({ id, ...rest }) => rest)).toEqual(
      records.slice(0, 3).map((r) => ({
        requestId: r.requestId,
        operation: r.operation,
        spokeName: r.spokeName,
        callerKeyId: r.callerKeyId,
        outcome: r.outcome,
        errorCode: r.errorCode,
        startedAt: new Date(r.startedAt),
        finishedAt: new Date(r.finishedAt),
        durationMs: r.finishedAt - r.startedAt,
        inputBytes: r.inputBytes,
        outputBytes: r.outputBytes,
        instanceId: `inst-${kind}`,
      })),
    );
  });

  test(
    "a flush while the database is unreachable keeps the rows and writes them once it is back",
    async () => {
      const { audit, metric } = makeAudit({ batchSize: 100 });
      await backend.takeAway();
      try {
        for (let i = 0; i < 300; i++) audit.record(callRecord(i));
        expect(await audit.flush()).toBe(0);
        expect(await audit.flush()).toBe(0);
        expect(audit.queued).toBe(300);
        expect(metric("alkhub_audit_write_failures_total")).toBeGreaterThanOrEqual(2);
        for (let i = 300; i < 350; i++) audit.record(callRecord(i));
      } finally {
        await backend.giveBack();
      }
      // One warning for the whole outage, not one per batch or per attempt.
      expect(messages("warn")).toEqual(["audit writes failing; keeping call rows queued and retrying"]);
      await eventually(drained(audit), { timeoutMs: 20_000, what: "queue drained after the outage" });
      expect(await rowCount()).toBe(350);
      const [distinct] = await store.db
        .select({ n: sql<number>`count(distinct ${calls.requestId})::int` })
        .from(calls);
      expect(distinct?.n).toBe(350);
      expect({ written: audit.written, dropped: audit.dropped }).toEqual({ written: 350, dropped: 0 });
      expect(messages("info")).toEqual(["audit writes recovered"]);
    },
    OUTAGE_TEST_MS,
  );

  test(
    "an outage spills rows beyond the ring instead of dropping them, and writes them in order once back",
    async () => {
      const { audit, metric } = makeAudit({ queueLimit: 100, batchSize: 40 });
      await backend.takeAway();
      try {
        // Three ring-fulls with a (failing) flush after each: every flush moves the ring into the spill.
        for (let round = 0; round < 3; round++) {
          for (let i = 0; i < 100; i++) audit.record(callRecord(round * 100 + i));
          expect(await audit.flush()).toBe(0);
        }
        expect({ queued: audit.queued, dropped: audit.dropped }).toEqual({ queued: 300, dropped: 0 });
        expect(metric("alkhub_audit_spill_bytes")).toBeGreaterThan(0);
      } finally {
        await backend.giveBack();
      }
      await eventually(drained(audit), { timeoutMs: 20_000, what: "spill written after the outage" });
      expect(await rowCount()).toBe(300);
      expect(metric("alkhub_audit_spill_bytes")).toBe(0);
      const ordered = await store.db
        .select({ requestId: calls.requestId })
        .from(calls)
        .orderBy(asc(calls.startedAt));
      expect(ordered.map((r) => r.requestId)).toEqual(Array.from({ length: 300 }, (_, i) => `req-${i}`));
    },
    OUTAGE_TEST_MS,
  );

  test(
    "with the spill budget spent and the ring full, new records are dropped and counted, logged once",
    async () => {
      // A budget of 1 byte: one batch of 40 may be spilled, then the ring's 100 rows are all that is kept.
      const { audit, metric } = makeAudit({ queueLimit: 100, batchSize: 40, spillMaxBytes: 1 });
      await backend.takeAway();
      try {
        for (let i = 0; i < 250; i++) audit.record(callRecord(i));
        expect(audit.dropped).toBe(150);
        await audit.flush();
        expect(audit.queued).toBe(100);
        // The flush moved 40 rows out of the ring into the spill: the ring has room for 40 more.
        for (let i = 250; i < 300; i++) audit.record(callRecord(i));
        expect({ queued: audit.queued, dropped: audit.dropped }).toEqual({ queued: 140, dropped: 160 });
      } finally {
        await backend.giveBack();
      }
      await eventually(drained(audit), { timeoutMs: 20_000, what: "queue drained after the outage" });
      expect(await rowCount()).toBe(140);
      expect(metric("alkhub_audit_dropped_total")).toBe(160);
      for (let i = 0; i < 10; i++) audit.record(callRecord(1000 + i));
      await audit.flush();
      // One line per overflow episode, written once the ring had room again.
      expect(messages("warn").filter((m) => m.startsWith("audit queue full"))).toEqual([
        "audit queue full: dropped 150 call rows",
        "audit queue full: dropped 10 call rows",
      ]);
      expect(await rowCount()).toBe(150);
    },
    OUTAGE_TEST_MS,
  );

  test("a batch written again (a retry after a lost answer) writes no row twice", async () => {
    const { audit } = makeAudit({ batchSize: 50 });
    for (let i = 0; i < 20; i++) audit.record(callRecord(i));
    expect(await audit.flush()).toBe(20);
    const [row] = await store.db.select().from(calls).limit(1);
    const settled = (write: Promise<void>) =>
      write.then(
        () => "written",
        (e: unknown) => (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code,
      );
    // Call 99 as the writer encodes it, but under the id of a row already written.
    const encoded = new CopyLineWriter().line(callRecord(99), "inst");
    const duplicate = `${row!.id}${encoded.slice(encoded.indexOf("\t"))}`;
    // A batch's COPY refuses a duplicate id (23505) on either store (PGlite's COPY FROM '/dev/blob' in its
    // thread, Postgres's COPY FROM STDIN on the copier's connection)...
    expect(await settled(store.copyFrom("calls", CALL_COLUMNS, [duplicate], 3_000))).toBe("23505");
    // ...and the writer's fallback, an INSERT that skips ids already there, writes the rest of such a batch.
    expect(await settled(insertCopyLines(store.db, duplicate, 3_000))).toBe("written");
    expect(await rowCount()).toBe(20);
    // The refused COPY left its connection in step: the next batch is written.
    for (let i = 20; i < 30; i++) audit.record(callRecord(i));
    expect(await audit.flush()).toBe(10);
    expect(await rowCount()).toBe(30);
  });

  test(
    "stop gives up after stopTimeoutMs while the database is away and says how many rows were left",
    async () => {
      const { audit } = makeAudit({ stopTimeoutMs: 600 });
      await backend.takeAway();
      try {
        for (let i = 0; i < 10; i++) audit.record(callRecord(i));
        const started = Date.now();
        await audit.stop();
        expect(Date.now() - started).toBeLessThan(4_000);
        expect(messages("warn")).toContain("audit stopped with 10 call rows unwritten");
      } finally {
        await backend.giveBack();
      }
    },
    OUTAGE_TEST_MS,
  );

  test("a row the database refuses is dropped alone; the rest of its batch is written", async () => {
    const { audit } = makeAudit({ batchSize: 50 });
    for (let i = 0; i < 50; i++) {
      audit.record(i === 17 ? { ...callRecord(i), outcome: "bogus" as CallOutcome } : callRecord(i));
    }
    expect(await audit.flush()).toBe(49);
    expect({ queued: audit.queued, dropped: audit.dropped }).toEqual({ queued: 0, dropped: 1 });
    expect(await rowCount()).toBe(49);
    expect(messages("warn")).toEqual(["audit: the database refused 1 call rows; dropped them"]);
    expect(lines.find((l) => l.level === "warn")?.sqlState).toBe("23514");
  });

  test("awkward values are stored, not refused: NUL, lone surrogates, huge sizes, quotes", async () => {
    const { audit } = makeAudit();
    audit.record({
      ...callRecord(1),
      requestId: 'a\0b"c\\d',
      operation: "op.\ud800x",
      errorCode: "it's",
      inputBytes: 2 ** 40,
      outputBytes: Number.NaN,
      finishedAt: Number.POSITIVE_INFINITY,
    });
    expect(await audit.flush()).toBe(1);
    const [row] = await store.db.select().from(calls);
    expect(row).toMatchObject({
      requestId: 'ab"c\\d',
      operation: "op.\ufffdx",
      errorCode: "it's",
      inputBytes: 2_147_483_647,
      outputBytes: null,
      finishedAt: null,
      durationMs: null,
    });
  });

  test("text with COPY's special characters comes back as it went in, batch and fallback alike", async () => {
    // Every escape the COPY text format has, a literal `\N` (not NULL), backslashes next to escapes, and
    // the empty string: the Postgres INSERT unescapes them itself, the embedded store's COPY natively.
    const awkward = ["tab\there", "new\nline\r\n", "\\N", "\\", "a\\tb", "\\\t\\n", "", "plain é ✓"];
    const { audit } = makeAudit({ batchSize: awkward.length });
    awkward.forEach((text, i) => {
      audit.record({
        ...callRecord(i),
        requestId: text,
        errorCode: text,
        spokeName: text === "" ? null : text,
      });
    });
    expect(await audit.flush()).toBe(awkward.length);
    const rows = await store.db.select().from(calls).orderBy(asc(calls.startedAt));
    expect(rows.map((r) => [r.requestId, r.errorCode, r.spokeName])).toEqual(
      awkward.map((text) => [text, text, text === "" ? null : text]),
    );
    // The fallback after a refused batch writes the same text with INSERTs that skip duplicate ids.
    await store.db.delete(calls);
    const writer = new CopyLineWriter();
    const lines = awkward.map((text, i) => writer.line({ ...callRecord(i), requestId: text }, "inst"));
    await insertCopyLines(store.db, lines.join(""), 3_000);
    const again = await store.db.select({ requestId: calls.requestId }).from(calls);
    expect(again.map((r) => r.requestId).sort()).toEqual([...awkward].sort());
  });

  test("the retention purge deletes only rows older than retentionDays, in batches", async () => {
    const { audit } = makeAudit({ retentionDays: 7, purgeBatchRows: 100 });
    const now = new Date();
    for (let i = 0; i < 350; i++) audit.record(callRecord(i, now.getTime() - 10 * DAY_MS));
    for (let i = 350; i < 400; i++) audit.record(callRecord(i, now.getTime() - 6 * DAY_MS));
    await audit.flush();
    expect(await audit.purgeExpired(now)).toBe(350);
    const left = await store.db.select({ requestId: calls.requestId }).from(calls);
    expect(left.map((r) => r.requestId).sort()).toEqual(
      Array.from({ length: 50 }, (_, i) => `req-${350 + i}`).sort(),
    );
    expect(await audit.purgeExpired(now)).toBe(0);
  });

  test("started, it writes a full batch at once and the rest on its timer; stop writes what is left", async () => {
    const { audit } = makeAudit({ batchSize: 100, flushIntervalMs: 60_000 });
    audit.start();
    try {
      for (let i = 0; i < 100; i++) audit.record(callRecord(i));
      await eventually(async () => (await rowCount()) === 100, { what: "full batch written at once" });
      for (let i = 100; i < 130; i++) audit.record(callRecord(i));
    } finally {
      await audit.stop();
    }
    expect(await rowCount()).toBe(130);
    expect(audit.queued).toBe(0);

    const timed = makeAudit({ batchSize: 100, flushIntervalMs: 50 }).audit;
    timed.start();
    try {
      for (let i = 200; i < 207; i++) timed.record(callRecord(i));
      await eventually(async () => (await rowCount()) === 137, { what: "timer flush" });
    } finally {
      await timed.stop();
    }
  });

  test("stop flushes everything queued", async () => {
    const { audit } = makeAudit({ batchSize: 500 });
    for (let i = 0; i < 1234; i++) audit.record(callRecord(i));
    await audit.stop();
    expect(audit.queued).toBe(0);
    expect(await rowCount()).toBe(1234);
  });
}

describeWithServices("call audit on Postgres", () => {
  auditSuite("postgres", async () => {
    const database: TestDatabase = await createTestDatabase();
    const proxy: TcpProxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    const store = await openStore({
      postgres: { url: `postgres://postgres@127.0.0.1:${proxy.port}/${database.name}` },
      embedded: { dataDir: "/nonexistent-unused" },
      log: silentLogger,
    });
    return {
      store,
      takeAway: async () => proxy.pause(),
      giveBack: async () => {
        proxy.resume();
        await eventually(() => store.ping(), { timeoutMs: 15_000, what: "Postgres back" });
      },
      async close() {
        await store.close();
        proxy.stop();
        await database.drop();
      },
    };
  });
});

describe("call audit on PGlite", () => {
  auditSuite("embedded", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "alkhub-audit-"));
    const store = await openStore({ embedded: { dataDir }, log: silentLogger, command: "alkhub audit test" });
    // PGlite cannot be unplugged; a missing table makes every write fail the same way an outage does.
    return {
      store,
      takeAway: async () => void (await store.db.execute(sql`alter table calls rename to calls_away`)),
      giveBack: async () => void (await store.db.execute(sql`alter table calls_away rename to calls`)),
      async close() {
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  });
});
