import { describe, expect, test } from "bun:test";
import { ConfigError } from "../errors.ts";
import { MetricsRegistry } from "../health/index.ts";
import { createLogger } from "../log/index.ts";
import { noopAudit } from "../router/index.ts";
import type { Store } from "../store/index.ts";
import { CallAudit, type CallAuditOptions, type CallRecord } from "./index.ts";

/** A store these tests must never reach: queueing and dropping are decided without the database. */
const untouchableStore = {
  kind: "postgres",
  get db(): never {
    throw new Error("the store was used");
  },
} as unknown as Store;

const call = (i: number): CallRecord => ({
  requestId: `r${i}`,
  operation: "dev1.echo",
  spokeName: "dev1",
  callerKeyId: null,
  outcome: "ok",
  errorCode: null,
  startedAt: 1_000 + i,
  finishedAt: 1_010 + i,
  inputBytes: 1,
  outputBytes: 1,
});

function makeAudit(overrides: Partial<CallAuditOptions> = {}) {
  const lines: Record<string, unknown>[] = [];
  const metrics = new MetricsRegistry();
  const audit = new CallAudit({
    store: untouchableStore,
    log: createLogger({ sink: (line) => lines.push(JSON.parse(line)) }),
    metrics,
    instanceId: "inst-1",
    enabled: true,
    batchSize: 10,
    flushIntervalMs: 1000,
    queueLimit: 5,
    retentionDays: 7,
    ...overrides,
  });
  const metric = (name: string) => Number(metrics.render().match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1]);
  return { audit, lines, metric };
}

describe("CallAudit queue", () => {
  test("record queues without touching the store and the gauge shows the queue", () => {
    const { audit, metric } = makeAudit();
    for (let i = 0; i < 3; i++) audit.record(call(i));
    expect(audit.queued).toBe(3);
    expect(audit.dropped).toBe(0);
    expect(audit.written).toBe(0);
    expect(metric("alkhub_audit_queue_rows")).toBe(3);
    expect(metric("alkhub_audit_written_total")).toBeNaN(); // no sample until something is written
  });

  test("the queue never holds more than queueLimit rows; the rest are dropped and counted", () => {
    const { audit, metric, lines } = makeAudit({ queueLimit: 5 });
    for (let i = 0; i < 12; i++) expect(() => audit.record(call(i))).not.toThrow();
    expect(audit.queued).toBe(5);
    expect(audit.dropped).toBe(7);
    expect(metric("alkhub_audit_queue_rows")).toBe(5);
    expect(metric("alkhub_audit_dropped_total")).toBe(7);
    // Recording stays silent on the hot path: the overflow line is written by the writer, once per episode.
    expect(lines).toEqual([]);
  });

  test("disabled: record does nothing and stop has nothing to write", async () => {
    const { audit, metric, lines } = makeAudit({ enabled: false });
    for (let i = 0; i < 20; i++) audit.record(call(i));
    expect(audit.queued).toBe(0);
    expect(audit.dropped).toBe(0);
    expect(metric("alkhub_audit_queue_rows")).toBe(0);
    await audit.stop();
    expect(lines).toEqual([]);
  });

  test("a flush with nothing queued resolves 0 without the database", async () => {
    const { audit, lines } = makeAudit();
    expect(await audit.flush()).toBe(0);
    expect(lines).toEqual([]);
  });

  test("stop with an empty queue returns at once without the database", async () => {
    const { audit } = makeAudit();
    const started = performance.now();
    await audit.stop();
    expect(performance.now() - started).toBeLessThan(100);
  });

  test("registers the four audit metrics", () => {
    const metrics = new MetricsRegistry();
    new CallAudit({ ...baseOptions(), metrics });
    const text = metrics.render();
    expect(text).toContain("# TYPE alkhub_audit_queue_rows gauge");
    expect(text).toContain("# TYPE alkhub_audit_written_total counter");
    expect(text).toContain("# TYPE alkhub_audit_dropped_total counter");
    expect(text).toContain("# TYPE alkhub_audit_write_failures_total counter");
  });
});

function baseOptions(): CallAuditOptions {
  return {
    store: untouchableStore,
    log: createLogger({ sink: () => {} }),
    metrics: new MetricsRegistry(),
    instanceId: "i",
    enabled: true,
    batchSize: 500,
    flushIntervalMs: 1000,
    queueLimit: 100_000,
    retentionDays: 7,
  };
}

describe("CallAudit options", () => {
  test.each([
    ["batchSize", 0],
    ["flushIntervalMs", -1],
    ["queueLimit", 1.5],
    ["retentionDays", 0],
    ["purgeIntervalMs", 2 ** 31],
    ["writeTimeoutMs", Number.NaN],
  ] as const)("refuses %s = %p with a ConfigError naming it", (name, value) => {
    const make = () => new CallAudit({ ...baseOptions(), [name]: value });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(`audit.${name}`);
  });

  test("refuses an empty instance id", () => {
    expect(() => new CallAudit({ ...baseOptions(), instanceId: "" })).toThrow("instanceId");
  });
});

describe("noopAudit", () => {
  test("accepts records and keeps nothing", () => {
    expect(() => noopAudit.record(call(1))).not.toThrow();
    expect(Object.isFrozen(noopAudit)).toBe(true);
  });
});
