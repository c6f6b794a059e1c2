import { expect, test } from "bun:test";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { SESSION_EVENT_LIMIT, SessionEventStore } from "./event-store.ts";

const note = (n: number): JSONRPCMessage => ({
  jsonrpc: "2.0",
  method: "notifications/progress",
  params: { n },
});

test("a resumed stream gets the events of that stream after the last id, not the priming event or other streams", async () => {
  const store = new SessionEventStore();
  const priming = await store.storeEvent("a", {} as JSONRPCMessage);
  await store.storeEvent("b", note(0));
  const first = await store.storeEvent("a", note(1));
  await store.storeEvent("a", note(2));
  expect(await store.getStreamIdForEventId(first)).toBe("a");
  const sent: unknown[] = [];
  const stream = await store.replayEventsAfter(priming, {
    send: async (_id, message) => void sent.push(message),
  });
  expect(stream).toBe("a");
  expect(sent).toEqual([note(1), note(2)]);
});

test("ids that are not ours replay nothing; the store keeps at most SESSION_EVENT_LIMIT events", async () => {
  const store = new SessionEventStore();
  expect(await store.getStreamIdForEventId("garbage")).toBeUndefined();
  for (let i = 0; i < SESSION_EVENT_LIMIT + 10; i++) await store.storeEvent("a", note(i));
  const sent: unknown[] = [];
  await store.replayEventsAfter("0.a", { send: async (_id, message) => void sent.push(message) });
  expect(sent).toHaveLength(SESSION_EVENT_LIMIT);
  expect(sent[0]).toEqual(note(10));
});
