/**
 * The router with fake links, sinks and a fake clock: what a spoke is sent, what a caller hears, and how every
 * way a call can end (answer, error, abort either side, deadline, disconnect, a remote owner that never takes
 * the call, shutdown) settles it once, with its audit record and metrics.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { identity, spec } from "../../tests/support/catalog-fixtures.ts";
import {
  FakeClock,
  FakeLink,
  fakeCatalog,
  fakeLinks,
  RecordingSink,
} from "../../tests/support/relay-fakes.ts";
import type { CallRecord } from "../audit/index.ts";
import { MetricsRegistry } from "../health/index.ts";
import { silentLogger } from "../log/index.ts";
import { parseFrame } from "../protocol/index.ts";
import { DEADLINE_TICK_MS, Router, type RouterSettings } from "./router.ts";

const SETTINGS: RouterSettings = {
  defaultTimeoutMs: 60_000,
  maxTimeoutMs: 300_000,
  validateOutput: false,
  remoteAckMs: 1000,
};

const caller = { identity: identity(["call"]) };

function setup(
  settings: Partial<RouterSettings> = {},
  linkOptions: { remote?: boolean; maxConcurrency?: number } = {},
) {
  const clock = new FakeClock();
  const catalog = fakeCatalog([
    {
      name: "dev1",
      operations: [
        spec("echo", { inputSchema: { type: "object", properties: { text: { type: "string" } } } }),
        spec("ticks", { type: "subscription" }),
        spec("typed", {
          outputSchema: { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
        }),
      ],
    },
    { name: "gone", operations: [spec("op")], live: false },
  ]);
  const link = new FakeLink("dev1", linkOptions);
  const audit: CallRecord[] = [];
  const metrics = new MetricsRegistry();
  const router = new Router({
    catalog,
    links: fakeLinks(link),
    audit: { record: (record) => audit.push(record) },
    metrics,
    log: silentLogger,
    settings: { ...SETTINGS, ...settings },
    clock,
  });
  return { clock, link, audit, metrics, router };
}

/** Starts a call and returns the hub id the spoke was sent it under. */
function start(
  ctx: ReturnType<typeof setup>,
  operation = "dev1.echo",
  input: unknown = { text: "hi" },
  deadline?: number,
) {
  const sink = new RecordingSink();
  const handle = ctx.router.call(caller, { operation, input, deadline, progress: true }, sink);
  const sent = ctx.link.sent.at(-1);
  return { sink, handle, hubId: sent?.hubId ?? "" };
}

describe("a call relayed to a local spoke", () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(() => {
    ctx = setup();
  });

  test("the spoke gets call.requested under the hub's own id, with the local name, deadline and caller", () => {
    const { hubId } = start(ctx);
    const [sent] = ctx.link.sent;
    expect(sent).toMatchObject({ type: "call.requested", hubId, subscription: false });
    const parsed = parseFrame(sent!.frame, "from-hub");
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.frame.payload).toEqual({
      requestId: hubId,
      operation: "echo",
      input: { text: "hi" },
      deadline: ctx.clock.now() + SETTINGS.defaultTimeoutMs,
      progress: true,
      caller: { id: caller.identity.keyId, scopes: ["call"] },
    });
    expect(ctx.router.inFlight).toBe(1);
    expect(ctx.link.inFlight).toBe(1);
  });

  test("the answer reaches the sink once; the call is audited and counted", () => {
    const { sink, hubId } = start(ctx);
    ctx.clock.advance(5);
    expect(
      ctx.router.onSpokeFrame(ctx.link, {
        type: "call.responded",
        id: hubId,
        payload: { requestId: hubId, output: "ok" },
      }),
    ).toBe(true);
    expect(sink.events).toEqual([{ kind: "response", output: "ok", last: true }]);
    expect(
      ctx.router.onSpokeFrame(ctx.link, {
        type: "call.responded",
        id: hubId,
        payload: { requestId: hubId, output: "again" },
      }),
    ).toBe(false);
    expect(ctx.router.inFlight).toBe(0);
    expect(ctx.link.inFlight).toBe(0);
    expect(ctx.audit).toEqual([
      expect.objectContaining({
        requestId: hubId,
        operation: "dev1.echo",
        spokeName: "dev1",
        outcome: "ok",
        errorCode: null,
        outputBytes: 7,
      }),
    ]);
    expect(ctx.audit[0]!.finishedAt - ctx.audit[0]!.startedAt).toBe(5);
    expect(ctx.metrics.render()).toContain('alkhub_calls_total{operation="dev1.echo",outcome="ok"} 1');
  });

  test("progress and log frames reach the sink without ending the call", () => {
    const { sink, hubId } = start(ctx);
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.progress",
      id: hubId,
      payload: { requestId: hubId, progress: 1, total: 2 },
    });
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.log",
      id: hubId,
      payload: { requestId: hubId, level: "info", data: "x" },
    });
    expect(sink.events.map((e) => e.kind)).toEqual(["progress", "log"]);
    expect(ctx.router.inFlight).toBe(1);
  });

  test("a spoke's call.error reaches the caller with its code; another connection cannot answer", () => {
    const { sink, hubId } = start(ctx);
    const stranger = new FakeLink("dev1", { connectionId: "other" });
    expect(
      ctx.router.onSpokeFrame(stranger, {
        type: "call.error",
        id: hubId,
        payload: { requestId: hubId, code: "X", message: "m" },
      }),
    ).toBe(false);
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.error",
      id: hubId,
      payload: { requestId: hubId, code: "DISK_FULL", message: "full" },
    });
    expect(sink.errorCode).toBe("DISK_FULL");
    expect(ctx.audit[0]).toMatchObject({ outcome: "error", errorCode: "DISK_FULL" });
  });

  test("a subscription streams items until call.completed", () => {
    const { sink, hubId } = start(ctx, "dev1.ticks", {});
    expect(ctx.link.sent[0]!.subscription).toBe(true);
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.responded",
      id: hubId,
      payload: { requestId: hubId, output: 1 },
    });
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.responded",
      id: hubId,
      payload: { requestId: hubId, output: 2 },
    });
    ctx.router.onSpokeFrame(ctx.link, { type: "call.completed", id: hubId, payload: { requestId: hubId } });
    expect(sink.events).toEqual([
      { kind: "response", output: 1, last: false },
      { kind: "response", output: 2, last: false },
      { kind: "complete" },
    ]);
    expect(ctx.router.inFlight).toBe(0);
  });

  test("call.completed for a query is an EXECUTION_ERROR", () => {
    const { sink, hubId } = start(ctx);
    ctx.router.onSpokeFrame(ctx.link, { type: "call.completed", id: hubId, payload: { requestId: hubId } });
    expect(sink.errorCode).toBe("EXECUTION_ERROR");
  });

  test("the caller's abort reaches the spoke and ends the call ABORTED", () => {
    const { sink, handle, hubId } = start(ctx);
    handle.abort("changed my mind");
    expect(ctx.link.sent.at(-1)).toMatchObject({ type: "call.aborted", hubId });
    expect(ctx.link.frames().at(-1)!.payload).toEqual({ requestId: hubId, reason: "changed my mind" });
    expect(sink.errorCode).toBe("ABORTED");
    expect(ctx.audit[0]!.outcome).toBe("aborted");
    handle.abort();
    expect(ctx.link.sent).toHaveLength(2);
  });

  test("a spoke's call.aborted ends the call ABORTED", () => {
    const { sink, hubId } = start(ctx);
    ctx.router.onSpokeFrame(ctx.link, { type: "call.aborted", id: hubId, payload: { requestId: hubId } });
    expect(sink.errorCode).toBe("ABORTED");
  });

  test("a spoke that goes away fails its calls with SPOKE_DISCONNECTED", () => {
    const first = start(ctx);
    const second = start(ctx);
    ctx.router.linkClosed(ctx.link);
    expect(first.sink.errorCode).toBe("SPOKE_DISCONNECTED");
    expect(second.sink.errorCode).toBe("SPOKE_DISCONNECTED");
    expect(ctx.router.inFlight).toBe(0);
  });

  test("a link that refuses the frame fails the call at once with SPOKE_UNAVAILABLE", () => {
    ctx.link.accepting = false;
    const { sink } = start(ctx);
    expect(sink.errorCode).toBe("SPOKE_UNAVAILABLE");
    expect(ctx.router.inFlight).toBe(0);
    expect(ctx.link.inFlight).toBe(0);
  });
});

describe("deadlines on the timer wheel", () => {
  test("a call past its deadline is aborted at the spoke and ends TIMEOUT, within one tick", () => {
    const ctx = setup();
    const { sink, hubId } = start(ctx, "dev1.echo", {}, new FakeClock().now() + 100);
    ctx.clock.advance(99);
    expect(sink.events).toEqual([]);
    ctx.clock.advance(1 + DEADLINE_TICK_MS);
    expect(sink.errorCode).toBe("TIMEOUT");
    expect(ctx.link.sent.at(-1)).toMatchObject({ type: "call.aborted", hubId });
    expect(ctx.audit[0]!.outcome).toBe("timeout");
  });

  test("the default and the most a caller may ask for come from the settings", () => {
    const ctx = setup({ defaultTimeoutMs: 1000, maxTimeoutMs: 2000 });
    const plain = start(ctx);
    const greedy = start(ctx, "dev1.echo", {}, ctx.clock.now() + 10_000_000);
    expect(ctx.link.frames().map((f) => f.payload.deadline)).toEqual([
      ctx.clock.now() + 1000,
      ctx.clock.now() + 2000,
    ]);
    ctx.clock.advance(1000 + DEADLINE_TICK_MS);
    expect(plain.sink.errorCode).toBe("TIMEOUT");
    expect(greedy.sink.events).toEqual([]);
    ctx.clock.advance(1000);
    expect(greedy.sink.errorCode).toBe("TIMEOUT");
  });

  test("a call answered in time never times out, and the wheel's tick stops once nothing waits", () => {
    const ctx = setup();
    const { sink, hubId } = start(ctx);
    expect(ctx.clock.tickers).toBe(1);
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.responded",
      id: hubId,
      payload: { requestId: hubId, output: 1 },
    });
    ctx.clock.advance(SETTINGS.defaultTimeoutMs * 2);
    expect(sink.events).toHaveLength(1);
    expect(ctx.clock.tickers).toBe(0);
  });
});

describe("calls to a spoke on another instance", () => {
  test("an owner that does not acknowledge within remoteAckMs fails the call with SPOKE_UNAVAILABLE", () => {
    const ctx = setup({}, { remote: true });
    const { sink } = start(ctx);
    ctx.clock.advance(SETTINGS.remoteAckMs - DEADLINE_TICK_MS);
    expect(sink.events).toEqual([]);
    ctx.clock.advance(2 * DEADLINE_TICK_MS);
    expect(sink.errorCode).toBe("SPOKE_UNAVAILABLE");
  });

  test("an acknowledged call waits for its answer", () => {
    const ctx = setup({}, { remote: true });
    const { sink, hubId } = start(ctx);
    ctx.router.remoteAcknowledged(hubId);
    ctx.clock.advance(SETTINGS.remoteAckMs * 3);
    expect(sink.events).toEqual([]);
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.responded",
      id: hubId,
      payload: { requestId: hubId, output: 1 },
    });
    expect(sink.events).toHaveLength(1);
  });

  test("remoteUnavailable and linkUnavailable fail the calls now", () => {
    const ctx = setup({}, { remote: true });
    const one = start(ctx);
    const two = start(ctx);
    ctx.router.remoteUnavailable(one.hubId, "not here");
    expect(one.sink.events).toEqual([{ kind: "error", code: "SPOKE_UNAVAILABLE", message: "not here" }]);
    ctx.router.linkUnavailable(ctx.link, "instance gone");
    expect(two.sink.errorCode).toBe("SPOKE_UNAVAILABLE");
  });
});

describe("refusals", () => {
  test("not found, not visible, offline, busy and bad input never reach the spoke, and are audited", () => {
    const ctx = setup({}, { maxConcurrency: 1 });
    const code = (operation: string, input: unknown = {}, who = caller) => {
      const sink = new RecordingSink();
      ctx.router.call(who, { operation, input }, sink);
      return sink.errorCode;
    };
    expect(code("dev1.nope")).toBe("OPERATION_NOT_FOUND");
    expect(code("dev1.echo", {}, { identity: identity([]) })).toBe("OPERATION_NOT_FOUND");
    expect(code("dev1.echo", {}, { identity: identity(["read"]) })).toBe("ACCESS_DENIED");
    expect(code("gone.op")).toBe("SPOKE_UNAVAILABLE");
    expect(code("dev1.echo", { text: 5 })).toBe("VALIDATION_ERROR");
    start(ctx);
    expect(code("dev1.echo")).toBe("SPOKE_BUSY");
    expect(ctx.link.sent).toHaveLength(1);
    expect(ctx.audit.map((r) => r.errorCode)).toEqual([
      "OPERATION_NOT_FOUND",
      "OPERATION_NOT_FOUND",
      "ACCESS_DENIED",
      "SPOKE_UNAVAILABLE",
      "VALIDATION_ERROR",
      "SPOKE_BUSY",
    ]);
    expect(ctx.audit[0]!.spokeName).toBeNull();
  });

  test("hub operations are not the router's: HubOperations answers them in front of it", () => {
    const ctx = setup();
    const sink = new RecordingSink();
    ctx.router.call(caller, { operation: "hub.list", input: {} }, sink);
    expect(sink.errorCode).toBe("OPERATION_NOT_FOUND");
    expect(ctx.link.sent).toEqual([]);
  });

  test("with validateOutput on, an output that breaks the schema is an EXECUTION_ERROR", () => {
    const ctx = setup({ validateOutput: true });
    const good = start(ctx, "dev1.typed", {});
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.responded",
      id: good.hubId,
      payload: { requestId: good.hubId, output: { n: 1 } },
    });
    expect(good.sink.events).toEqual([{ kind: "response", output: { n: 1 }, last: true }]);
    const bad = start(ctx, "dev1.typed", {});
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.responded",
      id: bad.hubId,
      payload: { requestId: bad.hubId, output: { n: "x" } },
    });
    expect(bad.sink.errorCode).toBe("EXECUTION_ERROR");
  });
});

describe("shutdown", () => {
  test("a draining router refuses new calls; waitIdle resolves when the last call ends", async () => {
    const ctx = setup();
    const { hubId } = start(ctx);
    ctx.router.beginDrain();
    const refused = new RecordingSink();
    ctx.router.call(caller, { operation: "dev1.echo", input: {} }, refused);
    expect(refused.errorCode).toBe("UNAVAILABLE");
    const idle = ctx.router.waitIdle(60_000);
    ctx.router.onSpokeFrame(ctx.link, {
      type: "call.responded",
      id: hubId,
      payload: { requestId: hubId, output: 1 },
    });
    expect(await idle).toBe(0);
  });

  test("abortAll tells each spoke and ends every call UNAVAILABLE", () => {
    const ctx = setup();
    const one = start(ctx);
    const two = start(ctx);
    ctx.router.abortAll("stopping");
    expect(ctx.link.sent.filter((s) => s.type === "call.aborted").map((s) => s.hubId)).toEqual([
      one.hubId,
      two.hubId,
    ]);
    expect([one.sink.errorCode, two.sink.errorCode]).toEqual(["UNAVAILABLE", "UNAVAILABLE"]);
    expect(ctx.router.inFlight).toBe(0);
  });
});
