import { describe, expect, test } from "bun:test";
import type { CallAudit } from "../audit/index.ts";
import type { Catalog, CatalogSpoke } from "../catalog/index.ts";
import { silentLogger } from "../log/index.ts";
import { type CallRecord, newCallRecord } from "../router/index.ts";
import { catalogEventKind, LiveEvents } from "./live-events.ts";
import { SseStream, sseEvent } from "./sse-stream.ts";

const ops = new Map();
const spoke = (over: Partial<CatalogSpoke>): CatalogSpoke =>
  ({
    id: "s",
    name: "dev1",
    accountId: "a",
    keyId: "k",
    visibility: "public",
    live: true,
    connectionId: "c1",
    instanceId: "i1",
    operations: ops,
    ...over,
  }) as CatalogSpoke;

describe("catalogEventKind", () => {
  test("names online, offline, reconnects and operation changes; quiet for row-only changes", () => {
    const before = { live: true, connectionId: "c1", operations: ops };
    expect(catalogEventKind(undefined, spoke({}))).toBe("spoke.online");
    expect(catalogEventKind({ ...before, live: false }, spoke({}))).toBe("spoke.online");
    expect(catalogEventKind(before, spoke({ connectionId: "c2" }))).toBe("spoke.online");
    expect(catalogEventKind(before, spoke({ live: false }))).toBe("spoke.offline");
    expect(catalogEventKind(before, undefined)).toBe("spoke.offline");
    expect(catalogEventKind(before, spoke({ operations: new Map() }))).toBe("operations.changed");
    expect(catalogEventKind(before, spoke({}))).toBeUndefined();
    expect(catalogEventKind(undefined, spoke({ live: false }))).toBeUndefined();
  });
});

/** A catalog with one spoke whose changes the test triggers. */
function fakeCatalog() {
  const listeners = new Set<(name: string) => void>();
  let current: CatalogSpoke | undefined = spoke({ live: false });
  return {
    catalog: {
      allSpokes: () => (current ? [current] : [])[Symbol.iterator](),
      spoke: () => current,
      onChange(listener: (name: string) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } as unknown as Catalog,
    listeners,
    change(next: CatalogSpoke | undefined) {
      current = next;
      for (const listener of listeners) listener("dev1");
    },
  };
}

function fakeAudit() {
  const watchers = new Set<(call: Readonly<CallRecord>) => void>();
  return {
    audit: {
      onCall(watcher: (call: Readonly<CallRecord>) => void) {
        watchers.add(watcher);
        return () => watchers.delete(watcher);
      },
    } satisfies Pick<CallAudit, "onCall">,
    watchers,
  };
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(needle)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before ${needle}: ${text}`);
    text += decoder.decode(value);
  }
  return text;
}

describe("LiveEvents", () => {
  test("watches nothing until a stream opens, and stops watching when the last one closes", async () => {
    const cat = fakeCatalog();
    const aud = fakeAudit();
    const events = new LiveEvents({
      catalog: cat.catalog,
      audit: aud.audit,
      instanceId: "i1",
      log: silentLogger,
    });
    expect(cat.listeners.size).toBe(0);
    expect(aud.watchers.size).toBe(0);
    const abort = new AbortController();
    const response = events.open("key1", new Set(["catalog", "call"]), abort.signal);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(cat.listeners.size).toBe(1);
    expect(aud.watchers.size).toBe(1);
    const reader = response.body!.getReader();
    cat.change(spoke({ live: true }));
    const record = {
      ...newCallRecord(),
      requestId: "h1-0",
      operation: "dev1.math.add",
      startedAt: 1000,
      finishedAt: 1012,
    };
    for (const watcher of aud.watchers) watcher(record);
    record.requestId = "overwritten"; // the router reuses its record: the event must carry the copy
    const text = await readUntil(reader, "event: call");
    expect(text).toContain('event: catalog\ndata: {"kind":"spoke.online","spoke":"dev1","instanceId":"i1"');
    expect(text).toContain('"requestId":"h1-0"');
    expect(text).toContain('"durationMs":12');
    abort.abort();
    expect(cat.listeners.size).toBe(0);
    expect(aud.watchers.size).toBe(0);
    expect(events.streamCount).toBe(0);
  });

  test("a stream of catalog events only does not watch calls; streams per key are limited", () => {
    const cat = fakeCatalog();
    const aud = fakeAudit();
    const events = new LiveEvents({
      catalog: cat.catalog,
      audit: aud.audit,
      instanceId: "i1",
      log: silentLogger,
      streamsPerKey: 2,
    });
    const signal = new AbortController().signal;
    events.open("key1", new Set(["catalog"]), signal);
    expect(aud.watchers.size).toBe(0);
    events.open("key1", new Set(["catalog"]), signal);
    expect(() => events.open("key1", new Set(["catalog"]), signal)).toThrow(/2 event streams/);
    events.open("key2", new Set(["call"]), signal);
    expect(aud.watchers.size).toBe(1);
    events.closeAll();
    expect(events.streamCount).toBe(0);
    expect(cat.listeners.size + aud.watchers.size).toBe(0);
  });
});

describe("SseStream", () => {
  test("a reader that does not read is dropped once the buffer is full, not buffered further", () => {
    const ends: string[] = [];
    const stream = new SseStream({ maxBufferedBytes: 1000, onEnd: (reason) => ends.push(reason) });
    const chunk = sseEvent("call", { pad: "x".repeat(300) });
    let sent = 0;
    while (stream.send(chunk)) sent++;
    expect(sent).toBeGreaterThan(0);
    expect(sent * chunk.byteLength).toBeLessThan(1000 + chunk.byteLength);
    expect(ends).toEqual(["slow"]);
    expect(stream.ended).toBe(true);
  });
});
