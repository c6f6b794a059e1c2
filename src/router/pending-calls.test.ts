/** The table of calls in flight: by hub id, by connection, and the links' in-flight counts. */
import { expect, test } from "bun:test";
import { FakeLink, RecordingSink } from "../../tests/support/relay-fakes.ts";
import type { CatalogOperation } from "../catalog/index.ts";
import type { OperationFacts } from "./frames.ts";
import { type PendingCall, PendingCalls } from "./pending-calls.ts";

function call(hubId: string, link: FakeLink): PendingCall {
  return {
    hubId,
    usage: undefined,
    trace: undefined,
    caller: {
      identity: {
        keyId: "k",
        accountId: "a",
        accountName: "a",
        scopes: [],
        spokeNames: [],
        operations: [],
        expiresAt: null,
      },
    },
    operation: {} as CatalogOperation,
    facts: {} as OperationFacts,
    link,
    sink: new RecordingSink(),
    wantsProgress: false,
    startedAt: 0,
    inputBytes: 0,
    outputBytes: 0,
    deadlineSlot: 0,
    ackSlot: 0,
  };
}

test("calls are found by hub id and by connection; links count their calls", () => {
  const table = new PendingCalls();
  const a = new FakeLink("a");
  const b = new FakeLink("b");
  const a1 = call("h1", a);
  const a2 = call("h2", a);
  const b1 = call("h3", b);
  for (const each of [a1, a2, b1]) table.add(each);
  expect(table.size).toBe(3);
  expect(table.get("h2")).toBe(a2);
  expect(table.toConnection(a.connectionId)).toEqual([a1, a2]);
  expect([a.inFlight, b.inFlight]).toEqual([2, 1]);
  expect(table.all()).toEqual([a1, a2, b1]);
});

test("a call is removed once; the second removal reports it was gone", () => {
  const table = new PendingCalls();
  const link = new FakeLink("a");
  const only = call("h1", link);
  table.add(only);
  expect(table.remove(only)).toBe(true);
  expect(table.remove(only)).toBe(false);
  expect(table.get("h1")).toBeUndefined();
  expect(table.toConnection(link.connectionId)).toEqual([]);
  expect(link.inFlight).toBe(0);
  expect(table.size).toBe(0);
});

test("toConnection is a copy: settling while iterating is safe", () => {
  const table = new PendingCalls();
  const link = new FakeLink("a");
  for (const id of ["h1", "h2", "h3"]) table.add(call(id, link));
  for (const each of table.toConnection(link.connectionId)) table.remove(each);
  expect(table.size).toBe(0);
});
