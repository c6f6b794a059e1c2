/**
 * Frame dispatch and each on-*.ts handler, on sessions over fake sockets: a caller session and a spoke session
 * wired to a real router (fake catalog, fake clock). Registration is covered by the /ws suites.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { identity, spec } from "../../tests/support/catalog-fixtures.ts";
import { FakeClock, FakeSocket, fakeCatalog } from "../../tests/support/relay-fakes.ts";
import type { Catalog } from "../catalog/index.ts";
import { MetricsRegistry } from "../health/index.ts";
import { silentLogger } from "../log/index.ts";
import type { Presence } from "../presence/index.ts";
import { CLOSE_CODES, DEFAULT_SPOKE_LIMITS } from "../protocol/index.ts";
import { Router, type SpokeReplyFrame } from "../router/index.ts";
import type { ForwardedCallsPort, SessionDeps } from "./deps.ts";
import { dispatchMessage } from "./dispatch.ts";
import { SpokeSession } from "./session.ts";
import { SpokeDirectory } from "./spoke-directory.ts";

const LIMITS = { maxInFlightPerConnection: 2, badFramesPerMinute: 3 };

/** Forwarded calls that records what the sessions hand it; `owns` decides which hub ids were forwarded here. */
class RecordingForwarded implements ForwardedCallsPort {
  readonly relayed: Array<{ id: string; text: string }> = [];
  owns = new Set<string>();
  relay(_session: SpokeSession, frame: SpokeReplyFrame, text: string): boolean {
    if (!this.owns.has(frame.id)) return false;
    this.relayed.push({ id: frame.id, text });
    return true;
  }
  sessionClosed(): void {}
  async waitIdle(): Promise<number> {
    return 0;
  }
}

function setup() {
  const clock = new FakeClock();
  const spokeSocket = new FakeSocket();
  const callerSocket = new FakeSocket();
  const spoke = new SpokeSession(spokeSocket, identity(["spoke"]), LIMITS, silentLogger);
  spoke.spokeName = "dev1";
  spoke.advance("ready");
  const caller = new SpokeSession(callerSocket, identity(["call"]), LIMITS, silentLogger);
  caller.advance("ready");
  const router = new Router({
    catalog: fakeCatalog([
      { name: "dev1", operations: [spec("echo"), spec("ticks", { type: "subscription" })] },
    ]),
    links: { link: () => spoke },
    audit: { record() {} },
    metrics: new MetricsRegistry(),
    log: silentLogger,
    settings: { defaultTimeoutMs: 1000, maxTimeoutMs: 1000, validateOutput: false, remoteAckMs: 1000 },
    clock,
  });
  const forwarded = new RecordingForwarded();
  const deps: SessionDeps = {
    calls: router,
    router,
    catalog: {} as Catalog,
    directory: new SpokeDirectory(),
    forwarded,
    presence: {} as Presence,
    takeOverRemote: async () => {},
    instanceId: "instance-1",
    heartbeatMs: 1000,
    spokeLimits: DEFAULT_SPOKE_LIMITS,
    sessionLimits: LIMITS,
    log: silentLogger,
  };
  const send = (session: SpokeSession, type: string, id: string, payload: Record<string, unknown>) =>
    dispatchMessage(session, JSON.stringify({ type, id, payload }), deps);
  return { clock, spoke, spokeSocket, caller, callerSocket, router, forwarded, deps, send };
}

describe("dispatch", () => {
  test("binary frames, bad JSON and bad frames get protocol.error naming the problem", () => {
    const { caller, callerSocket, deps } = setup();
    dispatchMessage(caller, new Uint8Array([1]), deps);
    dispatchMessage(caller, "{nope", deps);
    dispatchMessage(caller, JSON.stringify({ type: "call.exploded", id: "f1", payload: {} }), deps);
    const errors = callerSocket.frames();
    expect(errors.map((f) => f.type)).toEqual(["protocol.error", "protocol.error", "protocol.error"]);
    expect(String(errors[0]!.payload.message)).toContain("binary");
    expect(String(errors[1]!.payload.message)).toContain("JSON");
    expect(errors[2]!.payload).toMatchObject({ ref: "f1" });
    expect(callerSocket.closes).toEqual([]);
  });

  test("past the bad-frame budget the connection is closed with 4400", () => {
    const { caller, callerSocket, deps } = setup();
    for (let i = 0; i <= LIMITS.badFramesPerMinute; i++) dispatchMessage(caller, "{nope", deps);
    expect(callerSocket.closes).toEqual([
      { code: CLOSE_CODES.PROTOCOL_VIOLATION, reason: "too many bad frames" },
    ]);
    dispatchMessage(caller, "{nope", deps);
    expect(callerSocket.texts).toHaveLength(LIMITS.badFramesPerMinute + 1);
  });

  test("any frame counts as life", () => {
    const { caller, deps } = setup();
    caller.lastSeenAt = 0;
    dispatchMessage(caller, "{nope", deps);
    expect(caller.lastSeenAt).toBeGreaterThan(0);
  });
});

describe("on-call-requested and on-call-reply", () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(() => {
    ctx = setup();
  });

  test("a call goes to the spoke under the hub's id and the answer comes back under the caller's", () => {
    ctx.send(ctx.caller, "call.requested", "r1", {
      requestId: "r1",
      operation: "dev1.echo",
      input: { a: 1 },
    });
    const [toSpoke] = ctx.spokeSocket.frames();
    expect(toSpoke).toMatchObject({
      type: "call.requested",
      payload: { operation: "echo", input: { a: 1 } },
    });
    expect(toSpoke!.id).not.toBe("r1");
    expect(ctx.caller.outgoing.has("r1")).toBe(true);
    ctx.send(ctx.spoke, "call.responded", toSpoke!.id, { requestId: toSpoke!.id, output: "pong" });
    expect(ctx.callerSocket.frames()).toEqual([
      { type: "call.responded", id: "r1", payload: { requestId: "r1", output: "pong" } },
    ]);
    expect(ctx.caller.outgoing.has("r1")).toBe(false);
  });

  test("progress, log and completion of a subscription reach the caller in order", () => {
    ctx.send(ctx.caller, "call.requested", "s1", {
      requestId: "s1",
      operation: "dev1.ticks",
      input: {},
      progress: true,
    });
    const hubId = ctx.spokeSocket.frames()[0]!.id;
    ctx.send(ctx.spoke, "call.progress", hubId, { requestId: hubId, progress: 1 });
    ctx.send(ctx.spoke, "call.log", hubId, { requestId: hubId, level: "info", data: "d" });
    ctx.send(ctx.spoke, "call.responded", hubId, { requestId: hubId, output: 1 });
    ctx.send(ctx.spoke, "call.completed", hubId, { requestId: hubId });
    expect(ctx.callerSocket.frames().map((f) => f.type)).toEqual([
      "call.progress",
      "call.log",
      "call.responded",
      "call.completed",
    ]);
  });

  test("a request id already in flight, and calls past the connection's limit, are refused", () => {
    const request = (id: string) =>
      ctx.send(ctx.caller, "call.requested", id, { requestId: id, operation: "dev1.echo", input: {} });
    request("r1");
    request("r1");
    request("r2");
    request("r3");
    const errors = ctx.callerSocket.frames().filter((f) => f.type === "call.error");
    expect(errors.map((f) => [f.id, f.payload.code])).toEqual([
      ["r1", "VALIDATION_ERROR"],
      ["r3", "RATE_LIMITED"],
    ]);
    expect(ctx.spokeSocket.texts).toHaveLength(2);
  });

  test("a refused call answers call.error at once", () => {
    ctx.send(ctx.caller, "call.requested", "r1", { requestId: "r1", operation: "dev1.nope", input: {} });
    expect(ctx.callerSocket.frames()).toEqual([
      {
        type: "call.error",
        id: "r1",
        payload: { requestId: "r1", code: "OPERATION_NOT_FOUND", message: 'no operation named "dev1.nope"' },
      },
    ]);
  });

  test("a reply for a call forwarded from another instance goes to the forwarded calls, as received", () => {
    ctx.forwarded.owns.add("remote-1");
    const text = '{"type":"call.responded","id":"remote-1","payload":{"requestId":"remote-1","output":[1]}}';
    dispatchMessage(ctx.spoke, text, ctx.deps);
    expect(ctx.forwarded.relayed).toEqual([{ id: "remote-1", text }]);
  });

  test("a reply for a call nobody is waiting on is dropped quietly", () => {
    ctx.send(ctx.spoke, "call.responded", "nobody", { requestId: "nobody", output: 1 });
    expect(ctx.callerSocket.texts).toEqual([]);
    expect(ctx.spokeSocket.texts).toEqual([]);
  });
});

describe("on-call-aborted", () => {
  test("the caller's abort reaches the spoke and ends its call ABORTED", () => {
    const ctx = setup();
    ctx.send(ctx.caller, "call.requested", "r1", { requestId: "r1", operation: "dev1.echo", input: {} });
    const hubId = ctx.spokeSocket.frames()[0]!.id;
    ctx.send(ctx.caller, "call.aborted", "r1", { requestId: "r1", reason: "enough" });
    expect(ctx.spokeSocket.frames()[1]).toEqual({
      type: "call.aborted",
      id: hubId,
      payload: { requestId: hubId, reason: "enough" },
    });
    expect(ctx.callerSocket.frames()[0]).toMatchObject({ type: "call.error", payload: { code: "ABORTED" } });
  });

  test("the spoke's abort of a call it serves ends the caller's call ABORTED; of a forwarded call, relays it", () => {
    const ctx = setup();
    ctx.send(ctx.caller, "call.requested", "r1", { requestId: "r1", operation: "dev1.echo", input: {} });
    const hubId = ctx.spokeSocket.frames()[0]!.id;
    ctx.send(ctx.spoke, "call.aborted", hubId, { requestId: hubId });
    expect(ctx.callerSocket.frames()[0]).toMatchObject({ id: "r1", payload: { code: "ABORTED" } });
    ctx.forwarded.owns.add("remote-2");
    ctx.send(ctx.spoke, "call.aborted", "remote-2", { requestId: "remote-2" });
    expect(ctx.forwarded.relayed.map((r) => r.id)).toEqual(["remote-2"]);
  });
});

describe("on-protocol-error", () => {
  test("a peer's protocol.error is only logged: nothing is sent back", () => {
    const ctx = setup();
    ctx.send(ctx.caller, "protocol.error", "x1", { message: "I did not understand" });
    expect(ctx.callerSocket.texts).toEqual([]);
    expect(ctx.callerSocket.closes).toEqual([]);
  });
});

describe("a slow reader", () => {
  test("a send the socket drops closes the connection with 1013 and reports failure", () => {
    const ctx = setup();
    ctx.callerSocket.sendResult = 0;
    expect(ctx.caller.send("{}")).toBe(false);
    expect(ctx.callerSocket.closes).toEqual([
      { code: CLOSE_CODES.SLOW_CONSUMER, reason: "send buffer full: the connection reads too slowly" },
    ]);
    expect(ctx.caller.send("{}")).toBe(false);
  });
});
