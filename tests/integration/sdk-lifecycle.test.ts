/** The SDK's connection lifecycle against a fake hub: registration outcomes, reconnects, close codes, drain. */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { HubError } from "../../src/protocol/index.ts";
import { connectSpoke, type Spoke, SpokeConnectionError } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { FakeHub } from "../support/fake-hub.ts";
import { connectTest } from "../support/sdk-helpers.ts";

let hub: FakeHub;
let defaultOnCall: FakeHub["onCall"];
const spokes: Spoke[] = [];
beforeAll(() => {
  hub = FakeHub.start();
  defaultOnCall = hub.onCall;
});
afterEach(async () => {
  for (const spoke of spokes.splice(0)) await spoke.close();
  hub.onRegister = (input) => hub.accept(input.name);
  hub.onCall = defaultOnCall;
});
afterAll(() => hub.stop());

async function setup(overrides = {}) {
  const result = await connectTest(hub, overrides);
  spokes.push(result.spoke);
  return result;
}

test("the first attempt rejects with the hub's error (NAME_TAKEN) and does not retry", async () => {
  hub.onRegister = (input) => new HubError("NAME_TAKEN", `spoke name "${input.name}" is in use`);
  const before = hub.connections.length;
  const error = await connectTest(hub).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(HubError);
  expect((error as HubError).code).toBe("NAME_TAKEN");
  expect((error as HubError).message).toBe('spoke name "dev1" is in use');
  await eventually(() => hub.live.length === 0);
  expect(hub.connections.length).toBe(before + 1);
});

test("a refused key rejects connectSpoke with a SpokeConnectionError that does not contain the key", async () => {
  const error = await connectTest(hub, { token: "wrong-secret-key" }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(SpokeConnectionError);
  expect((error as Error).message).toContain("could not connect to ws://127.0.0.1:");
  expect((error as Error).message).not.toContain("wrong-secret-key");
});

test("subprotocol auth sends the key as alkhub.bearer.<key>", async () => {
  await setup({ auth: "subprotocol" });
  expect(hub.lastRegistered?.authVia).toBe("subprotocol");
  expect(hub.lastRegistered?.token).toBe("test-key");
});

test("after the hub drops the socket, in-flight work is aborted and the spoke reconnects and re-registers", async () => {
  const { spoke, events, hold } = await setup();
  const first = hub.lastRegistered!;
  const inFlight = first.call("slow.wait", {});
  await eventually(() => hold.started.includes(inFlight));
  hub.onCall = () => {}; // leave the spoke's own call unanswered
  const pending = spoke.call("dev2.some.op", {}).catch((caught: unknown) => caught);
  await eventually(() => first.frames.some((frame) => frame.payload && "operation" in frame.payload));
  first.drop();
  const error = await pending;
  expect(error).toBeInstanceOf(HubError);
  expect((error as HubError).code).toBe("SPOKE_DISCONNECTED");
  await eventually(() => hold.aborted.includes(inFlight));
  await eventually(() => events.some((event) => event.type === "registered" && event.reconnected));
  const second = hub.lastRegistered!;
  expect(second).not.toBe(first);
  expect(second.registration?.operations.length).toBe(5);
  expect(events.map((event) => event.type)).toEqual([
    "disconnected",
    "reconnecting",
    "connecting",
    "connected",
    "registered",
  ]);
  expect(events[0]).toMatchObject({ type: "disconnected", code: 1006, willReconnect: true });
  const id = second.call("math.add", { a: 20, b: 22 });
  await eventually(() => second.framesFor(id).length === 1);
  expect(second.framesFor(id)[0]?.payload).toMatchObject({ output: 42 });
  hold.current.release();
});

test("a 4409 close (taken over) ends the spoke without reconnecting", async () => {
  const { spoke, events } = await setup();
  const connections = hub.connections.length;
  hub.lastRegistered!.close(4409, "taken over");
  const result = await spoke.closed();
  expect(result).toBeInstanceOf(SpokeConnectionError);
  expect((result as SpokeConnectionError).closeCode).toBe(4409);
  expect((result as Error).message).toBe(
    'another connection took over the spoke name "dev1" (close 4409: taken over)',
  );
  expect(events.at(-1)).toMatchObject({ type: "closed" });
  expect(events.some((event) => event.type === "reconnecting")).toBe(false);
  expect(hub.connections.length).toBe(connections);
  expect(spoke.call("x.y", {})).rejects.toMatchObject({ code: "UNAVAILABLE" });
});

test("drain() refuses new calls, lets in-flight ones finish, then closes with 1000", async () => {
  const { spoke, events, hold } = await setup();
  const connection = hub.lastRegistered!;
  const running = connection.call("slow.wait", {});
  await eventually(() => hold.started.includes(running));
  const drained = spoke.drain();
  await eventually(() => events.some((event) => event.type === "draining"));
  const refused = connection.call("math.add", { a: 1, b: 1 });
  await eventually(() => connection.framesFor(refused).length === 1);
  expect(connection.framesFor(refused)[0]?.payload).toMatchObject({ code: "UNAVAILABLE" });
  expect(connection.closed).toBeUndefined();
  hold.current.release();
  await drained;
  await eventually(() => connection.closed?.code === 1000);
  expect(connection.framesFor(running)[0]?.payload).toMatchObject({ output: { done: true } });
  expect(await spoke.closed()).toBeUndefined();
  expect(events.map((event) => event.type)).toEqual(["draining", "closed"]);
});

test("hub.draining: the spoke reconnects after retryAfterMs while in-flight calls finish on the old socket", async () => {
  const { events, hold } = await setup();
  const old = hub.lastRegistered!;
  const running = old.call("slow.wait", {});
  await eventually(() => hold.started.includes(running));
  old.send("hub.draining", "drain-1", { retryAfterMs: 20 });
  await eventually(() => events.some((event) => event.type === "registered"));
  const fresh = hub.lastRegistered!;
  expect(fresh).not.toBe(old);
  expect(events[0]).toEqual({ type: "draining", source: "hub", retryAfterMs: 20 });
  expect(old.closed).toBeUndefined();
  hold.current.release();
  await eventually(() => old.framesFor(running).length === 1);
  expect(old.framesFor(running)[0]?.type).toBe("call.responded");
  await eventually(() => old.closed?.code === 1000);
  expect(fresh.closed).toBeUndefined();
});

test("reconnect gives up after maxAttempts and closes with an error", async () => {
  const { spoke } = await setup({ reconnect: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 2 } });
  hub.tokens.delete("test-key");
  hub.lastRegistered!.drop();
  const result = await spoke.closed();
  hub.tokens.add("test-key");
  expect(result).toBeInstanceOf(SpokeConnectionError);
  expect((result as Error).message).toBe("gave up reconnecting after 2 attempts");
});

test("options are checked before connecting, naming the bad option", async () => {
  const bad = (name: string) =>
    connectSpoke({ url: hub.url, token: "test-key", name, operations: {} }).catch(
      (caught: unknown) => caught,
    );
  expect(((await bad("hub")) as Error).message).toBe('options.name: spoke name "hub" is reserved');
  expect(((await bad("a.b")) as Error).message).toContain('spoke name "a.b" must be one segment');
});

test("a hub that closes with 4403 during re-registration ends the spoke instead of retrying", async () => {
  const { spoke } = await setup();
  hub.onRegister = (_input, connection) => {
    connection.close(4403, "name not allowed");
    return new HubError("ACCESS_DENIED", "unused");
  };
  hub.lastRegistered!.drop();
  const result = await spoke.closed();
  expect(result).toBeInstanceOf(SpokeConnectionError);
  expect((result as SpokeConnectionError).closeCode).toBe(4403);
  expect((result as Error).message).toBe("the API key may not do this (close 4403: name not allowed)");
});
