// alkhub-test: once
/**
 * Issue #10 item 1: schema validation runs attacker-chosen work on the event loop. An attacker key registers
 * operations whose schemas are slow to check and calls them; throughout, `/health` must answer within 100 ms
 * and the bystander keep its latency. What cannot be bounded is refused at registration, naming the operation
 * and the schema path.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { WsTestClient } from "../support/ws-client.ts";
import { type HostileHub, startHostileHub } from "./support/index.ts";
import { connectRawSpoke, oneOperation, type RawSpoke } from "./support/raw-spoke.ts";

let hub: HostileHub;
let caller: WsTestClient;
const spokes: RawSpoke[] = [];

beforeAll(async () => {
  hub = await startHostileHub();
  caller = await WsTestClient.connect(hub.wsUrl, { token: hub.keys.attacker!.key });
}, 60_000);

afterAll(async () => {
  caller?.close();
  for (const spoke of spokes) spoke.close();
  await hub?.stop();
});

async function register(name: string, schema: unknown): Promise<RawSpoke> {
  const spoke = await connectRawSpoke(hub.wsUrl, hub.keys.attacker!.key, oneOperation(name, schema), 30_000);
  spokes.push(spoke);
  return spoke;
}

/** Registers `schema` and expects it accepted. */
async function registered(name: string, schema: unknown): Promise<void> {
  const spoke = await register(name, schema);
  expect(spoke.registration.type).toBe("call.responded");
}

/** The frame that ends a call (a generous bound: an unfixed hub answers, only late). */
function callOf(operation: string, input: unknown) {
  return caller.call(operation, input, { timeoutMs: 60_000 });
}

test("a pattern that backtracks exponentially costs nothing: ten of them in one small call", async () => {
  const properties: Record<string, unknown> = {};
  const input: Record<string, string> = {};
  for (let i = 0; i < 10; i++) {
    properties[`p${i}`] = { type: "string", not: { pattern: "^(a|a)*$" } };
    input[`p${i}`] = `${"a".repeat(25)}!`;
  }
  await registered("evil-regex", { type: "object", properties });
  expect(JSON.stringify(input).length).toBeLessThan(700);
  const { result } = await hub.underAttack("exponential pattern", () => callOf("evil-regex.op", input));
  expect(result.type).toBe("call.responded");
}, 120_000);

test("patternProperties run on the linear engine too", async () => {
  await registered("evil-pp", {
    type: "object",
    patternProperties: { "^(a|a)*$": { type: "string" } },
  });
  const input: Record<string, number> = {};
  for (let i = 0; i < 10; i++) input[`${"a".repeat(22 + i)}!`] = i;
  const { result } = await hub.underAttack("exponential patternProperties", () =>
    callOf("evil-pp.op", input),
  );
  expect(result.type).toBe("call.responded");
}, 120_000);

test("uniqueItems on an untyped array of 120k integers is checked in linear time or refused", async () => {
  await registered("evil-unique", { type: "object", properties: { xs: { uniqueItems: true } } });
  const xs = Array.from({ length: 120_000 }, (_, i) => i);
  const { result } = await hub.underAttack("uniqueItems 120k", () => callOf("evil-unique.op", { xs }));
  if (result.type === "call.error") {
    expect(result.payload.code).toBe("VALIDATION_ERROR");
    expect(String(result.payload.message)).toContain("input.xs");
  } else {
    expect(result.type).toBe("call.responded");
  }
}, 120_000);

test("uniqueItems over objects still finds a duplicate (key order does not matter)", async () => {
  await registered("evil-unique-obj", { type: "array", uniqueItems: true });
  const items = Array.from({ length: 5000 }, (_, i) => ({ a: i, b: [i, { c: i }] }));
  items.push({ b: [7, { c: 7 }], a: 7 } as (typeof items)[number]);
  const { result } = await hub.underAttack("uniqueItems objects", () => callOf("evil-unique-obj.op", items));
  expect(result.type).toBe("call.error");
  expect(result.payload.code).toBe("VALIDATION_ERROR");
}, 120_000);

test("a long string against a pattern is refused before it costs the loop", async () => {
  await registered("evil-long", {
    type: "object",
    properties: { s: { type: "string", pattern: "^(a|a)*$" } },
  });
  const input = { s: `${"a".repeat(900_000)}!` };
  const { result } = await hub.underAttack("long string pattern", () => callOf("evil-long.op", input));
  expect(result.type).toBe("call.error");
  expect(result.payload.code).toBe("VALIDATION_ERROR");
}, 120_000);

test("input nested far deeper than any sane value gets a prompt VALIDATION_ERROR naming the depth", async () => {
  await registered("evil-deep", {
    $defs: { node: { type: "array", items: { $ref: "#/$defs/node" } } },
    $ref: "#/$defs/node",
  });
  let input: unknown = [];
  for (let i = 0; i < 20_000; i++) input = [input];
  const { result } = await hub.underAttack("deep input", () => callOf("evil-deep.op", input));
  expect(result.type).toBe("call.error");
  expect(result.payload.code).toBe("VALIDATION_ERROR");
  expect(String(result.payload.message)).toMatch(/deep|depth|nest/i);
}, 120_000);

test("a schema whose checking cost grows exponentially is refused at registration, naming the path", async () => {
  const defs: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++)
    defs[`d${i}`] = { oneOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
  defs.d40 = { type: "number" };
  const { result } = await hub.underAttack("exponential oneOf chain", () =>
    register("evil-fanout", { $defs: defs, $ref: "#/$defs/d0" }),
  );
  expect(result.registration.type).toBe("call.error");
  expect(result.registration.payload.code).toBe("VALIDATION_ERROR");
  expect(String(result.registration.payload.message)).toContain('operation "op"');
  expect(String(result.registration.payload.message)).toContain("/$defs/d");
}, 120_000);

test("a pattern the linear engine cannot run is refused at registration, naming the path", async () => {
  const spoke = await register("evil-backref", {
    type: "object",
    properties: { a: { type: "string", pattern: "^(a+)\\1$" } },
  });
  expect(spoke.registration.type).toBe("call.error");
  expect(spoke.registration.payload.code).toBe("VALIDATION_ERROR");
  const message = String(spoke.registration.payload.message);
  expect(message).toContain('operation "op"');
  expect(message).toContain("/properties/a/pattern");
}, 60_000);

test("a $ref cycle that never leaves the value is refused at registration", async () => {
  const spoke = await register("evil-cycle", {
    $defs: { a: { allOf: [{ $ref: "#/$defs/b" }] }, b: { anyOf: [{ $ref: "#/$defs/a" }] } },
    $ref: "#/$defs/a",
  });
  expect(spoke.registration.type).toBe("call.error");
  expect(String(spoke.registration.payload.message)).toMatch(/cycle/);
}, 60_000);
