import { expect, test } from "bun:test";
import { createMemoryBus } from "../bus/index.ts";
import { silentLogger } from "../log/index.ts";
import { CallStats } from "../router/index.ts";
import { type InstanceFacts, InstanceRoster, parseRosterMessage } from "./instance-roster.ts";

const facts = (id: string): InstanceFacts => ({
  id,
  version: "1.2.3",
  startedAt: 1_765_000_000_000,
  spokes: 2,
  mcpSessions: 1,
  stats: new CallStats().series(1_765_000_000_000),
});

test("roster messages parse back; malformed ones are refused", () => {
  const message = { kind: "facts", facts: facts("i1") };
  expect(parseRosterMessage(JSON.stringify(message))).toEqual(message as never);
  expect(parseRosterMessage('{"kind":"bye","id":"i2"}')).toEqual({ kind: "bye", id: "i2" });
  for (const bad of [
    "",
    "null",
    '{"kind":"bye"}',
    '{"kind":"facts"}',
    JSON.stringify({ kind: "hello", facts: { ...facts("i1"), spokes: "2" } }),
    JSON.stringify({
      kind: "facts",
      facts: { ...facts("i1"), stats: { firstBucket: 1, calls: [-1], errors: [] } },
    }),
    JSON.stringify({
      kind: "facts",
      facts: { ...facts("i1"), stats: { firstBucket: 1, calls: Array(91).fill(0), errors: [] } },
    }),
  ]) {
    expect(parseRosterMessage(bad)).toBeUndefined();
  }
});

test("with the memory bus the roster is this instance alone", async () => {
  const bus = createMemoryBus({ instanceId: "solo", log: silentLogger });
  const roster = new InstanceRoster({ bus, log: silentLogger, self: () => facts("solo") });
  await roster.start();
  expect(roster.members().map((m) => [m.id, m.self])).toEqual([["solo", true]]);
  await roster.stop();
  await bus.close();
});
