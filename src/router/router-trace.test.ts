/**
 * The router and trace context: with no tracer (tracing off) a caller's context reaches the spoke exactly as it
 * came and nothing is added when there is none; with a tracer the steps are reported in order, the spoke's
 * frame carries what the tracer's relay step returned, and refused calls end their trace with the error code.
 */
import { expect, test } from "bun:test";
import { identity, spec } from "../../tests/support/catalog-fixtures.ts";
import {
  FakeClock,
  FakeLink,
  fakeCatalog,
  fakeLinks,
  RecordingSink,
} from "../../tests/support/relay-fakes.ts";
import { MetricsRegistry } from "../health/index.ts";
import { silentLogger } from "../log/index.ts";
import { Router } from "./router.ts";
import type { CallTrace, CallTracer, ForwardTrace } from "./types.ts";

const TRACE = {
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: 'vendor="x"',
};
const RELAY_TRACE = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01" };

/** A tracer that writes down what the router tells it. */
class NotingTracer implements CallTracer {
  readonly notes: string[] = [];

  begin(_caller: unknown, request: { operation: string; trace?: { traceparent: string } }): CallTrace {
    this.notes.push(`begin ${request.operation} ${request.trace?.traceparent ?? "-"}`);
    return {
      authorized: (operation, spokeName) => this.notes.push(`authorized ${operation} ${spokeName}`),
      relay: (link, hubId) => {
        this.notes.push(`relay ${link.spokeName} ${hubId.length > 0}`);
        return JSON.stringify(RELAY_TRACE);
      },
      end: (outcome, errorCode) => this.notes.push(`end ${outcome} ${errorCode}`),
    };
  }

  forwarded(): ForwardTrace {
    throw new Error("not used by the router");
  }
}

function setup(tracer?: CallTracer) {
  const link = new FakeLink("dev1");
  const router = new Router({
    catalog: fakeCatalog([
      {
        name: "dev1",
        operations: [
          spec("echo", { inputSchema: { type: "object", properties: { n: { type: "number" } } } }),
        ],
      },
    ]),
    links: fakeLinks(link),
    audit: { record() {} },
    metrics: new MetricsRegistry(),
    log: silentLogger,
    settings: { defaultTimeoutMs: 60_000, maxTimeoutMs: 300_000, validateOutput: false, remoteAckMs: 1000 },
    clock: new FakeClock(),
    tracer,
  });
  return { router, link };
}

const caller = { identity: identity(["call"]) };

test("tracing off: the caller's trace context reaches the spoke unchanged", () => {
  const { router, link } = setup();
  router.call(caller, { operation: "dev1.echo", input: {}, trace: TRACE }, new RecordingSink());
  expect(link.frames()[0]?.payload.trace).toEqual(TRACE);
});

test("tracing off: a call without trace context sends none", () => {
  const { router, link } = setup();
  router.call(caller, { operation: "dev1.echo", input: {} }, new RecordingSink());
  expect(link.sent[0]?.frame).not.toContain('"trace"');
});

test("tracing on: steps in order, the relay step's context on the frame, the end with the outcome", () => {
  const tracer = new NotingTracer();
  const { router, link } = setup(tracer);
  router.call(caller, { operation: "dev1.echo", input: {}, trace: TRACE }, new RecordingSink());
  expect(link.frames()[0]?.payload.trace).toEqual(RELAY_TRACE);
  const hubId = link.sent[0]?.hubId as string;
  router.onSpokeFrame(link, { type: "call.responded", id: hubId, payload: { requestId: hubId, output: 1 } });
  expect(tracer.notes).toEqual([
    `begin dev1.echo ${TRACE.traceparent}`,
    "authorized dev1.echo dev1",
    "relay dev1 true",
    "end ok null",
  ]);
});

test("tracing on: a refused call ends its trace with the error code, before any relay", () => {
  const tracer = new NotingTracer();
  const { router } = setup(tracer);
  router.call(caller, { operation: "dev1.nope", input: {} }, new RecordingSink());
  router.call(caller, { operation: "dev1.echo", input: { n: "not a number" } }, new RecordingSink());
  expect(tracer.notes).toEqual([
    "begin dev1.nope -",
    "end error OPERATION_NOT_FOUND",
    "begin dev1.echo -",
    "authorized dev1.echo dev1",
    "end error VALIDATION_ERROR",
  ]);
});

test("tracing on: a spoke's error ends the trace with its code", () => {
  const tracer = new NotingTracer();
  const { router, link } = setup(tracer);
  router.call(caller, { operation: "dev1.echo", input: {} }, new RecordingSink());
  const hubId = link.sent[0]?.hubId as string;
  router.onSpokeFrame(link, {
    type: "call.error",
    id: hubId,
    payload: { requestId: hubId, code: "DISK_FULL", message: "no room" },
  });
  expect(tracer.notes.at(-1)).toBe("end error DISK_FULL");
});
