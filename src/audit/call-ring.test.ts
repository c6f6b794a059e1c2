import { describe, expect, test } from "bun:test";
import { type CallRecord, newCallRecord } from "../router/index.ts";
import { CallRing } from "./call-ring.ts";
import { sampleCall } from "./sample-calls.ts";

const call = sampleCall;

describe("CallRing", () => {
  test("copies records (the caller may reuse its object) and hands them back oldest first across the wrap", () => {
    const ring = new CallRing(4);
    const reused = newCallRecord();
    for (let i = 0; i < 3; i++) expect(ring.push(Object.assign(reused, call(i)))).toBe(true);
    const seen: string[] = [];
    expect(ring.shift(2, newCallRecord(), (c) => seen.push(c.requestId))).toBe(2);
    for (let i = 3; i < 6; i++) expect(ring.push(Object.assign(reused, call(i)))).toBe(true);
    expect(ring.push(call(99))).toBe(false);
    expect(ring.size).toBe(4);
    const rest: CallRecord[] = [];
    ring.shift(10, newCallRecord(), (c) => rest.push({ ...c }));
    expect([...seen, ...rest.map((c) => c.requestId)]).toEqual(["r0", "r1", "r2", "r3", "r4", "r5"]);
    expect(rest[3]).toEqual(call(5));
    expect(ring.size).toBe(0);
  });
});
