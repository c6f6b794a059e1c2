/** Finding and replacing the trace context at the tail of a hub-encoded call.requested, without parsing it. */
import { expect, test } from "bun:test";
import { encodeCallRequested, parseFrame, traceJson } from "../protocol/index.ts";
import { frameTrace } from "./trace-splice.ts";

const CALLER = JSON.stringify({ id: "key_1", scopes: ["call"] });
const A = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: 'a="1"' };
const B = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-2222222222222222-01", tracestate: 'a="1"' };

function frame(input: unknown, trace?: typeof A): string {
  return encodeCallRequested(
    '"h1-0"',
    '"echo"',
    JSON.stringify(input),
    1,
    false,
    undefined,
    CALLER,
    trace && traceJson(trace),
  );
}

test("reads the trace context at the end and writes another in its place, the rest untouched", () => {
  const found = frameTrace(frame({ x: 1 }, A));
  expect(found?.trace).toEqual(A);
  const replaced = found?.replace(B) as string;
  const parsed = parseFrame(replaced, "from-hub");
  if (!parsed.ok) throw new Error(parsed.error);
  expect(parsed.frame.payload).toEqual({
    requestId: "h1-0",
    operation: "echo",
    input: { x: 1 },
    deadline: 1,
    caller: JSON.parse(CALLER),
    trace: B,
  });
});

test("a frame without trace context has none, whatever its input holds", () => {
  expect(frameTrace(frame({ trace: A }))).toBeUndefined();
  expect(frameTrace(frame('"trace":{"traceparent":"x"}}}'))).toBeUndefined();
});

test("an input that mimics a trace member does not hide the real one, which is last", () => {
  const found = frameTrace(frame({ trace: { traceparent: "00-ffff" } }, A));
  expect(found?.trace).toEqual(A);
  const parsed = parseFrame(found?.replace(B) as string, "from-hub");
  expect(parsed.ok && parsed.frame.payload).toMatchObject({
    input: { trace: { traceparent: "00-ffff" } },
    trace: B,
  });
});
