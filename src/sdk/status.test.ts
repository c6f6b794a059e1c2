import { expect, test } from "bun:test";
import { StatusEmitter } from "./status.ts";

const warnings: string[] = [];
const logger = { debug() {}, info() {}, warn: (message: string) => warnings.push(message), error() {} };

test("iterators get events from subscription on and end after closed; a throwing listener does not stop others", async () => {
  const emitter = new StatusEmitter(logger);
  const seen: string[] = [];
  emitter.on(() => {
    throw new Error("bad listener");
  });
  emitter.on((status) => seen.push(status.type));
  const collected = (async () => {
    const types: string[] = [];
    for await (const status of emitter.iterate()) types.push(status.type);
    return types;
  })();
  emitter.emit({ type: "connected" });
  emitter.emit({ type: "disconnected", code: 1006, reason: "", willReconnect: true });
  emitter.emit({ type: "closed" });
  emitter.emit({ type: "connected" });
  expect(await collected).toEqual(["connected", "disconnected", "closed"]);
  expect(seen).toEqual(["connected", "disconnected", "closed"]);
  expect(warnings).toEqual([
    "spoke status listener threw",
    "spoke status listener threw",
    "spoke status listener threw",
  ]);
});
