// alkhub-test: once
/**
 * Seeded fuzzers against a compiled hub, under the hostile harness (`/health` every 50 ms, the bystander's p99):
 * random `/ws` frames (garbage, wrong shapes, real frame types with random payloads) and random `hub.register`
 * specs with random schemas followed by calls with random input. The hub must stay up, answer every call it
 * accepts (or close the connection with a 4xxx code), and never let `/health` stall. The seed is printed on
 * failure (ALKHUB_FUZZ_SEED replays it).
 */
import { expect, test } from "bun:test";
import { WsTestClient } from "../support/ws-client.ts";
import { fuzz, fuzzSeed, hostileHubPerSuite, type Rng } from "./support/index.ts";

const hub = hostileHubPerSuite();

const FRAME_TYPES = [
  "call.requested",
  "call.responded",
  "call.error",
  "call.progress",
  "call.log",
  "call.completed",
  "call.aborted",
  "protocol.error",
  "hub.draining",
  "nonsense",
];

function randomFrame(rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0:
      return rng.string(rng.int(0, 200));
    case 1:
      return JSON.stringify(rng.json(4));
    case 2: {
      const text = JSON.stringify({ type: rng.pick(FRAME_TYPES), id: rng.string(8), payload: rng.json(3) });
      return text.slice(0, rng.int(0, text.length));
    }
    default: {
      const requestId = rng.chance(0.8) ? `r${rng.int(0, 1e9)}` : (rng.json(1) as string);
      const payload: Record<string, unknown> = {
        requestId,
        operation: rng.pick(["hub.list", "hub.search", "hub.schema", "bystander.echo", rng.string(12)]),
        input: rng.json(3),
      };
      if (rng.chance(0.3)) payload.deadline = rng.pick([0, -1, 1e20, Date.now() + 1000, "soon"]);
      if (rng.chance(0.2)) payload.progress = rng.json(1);
      return JSON.stringify({ type: rng.pick(FRAME_TYPES), id: requestId, payload });
    }
  }
}

test("random /ws frames: the hub answers or closes with a 4xxx code, and stays up", async () => {
  const seed = fuzzSeed();
  await hub().underAttack("ws frame fuzz", async () => {
    let client = await WsTestClient.connect(hub().wsUrl, { token: hub().keys.attacker!.key });
    let closes = 0;
    await fuzz(
      "ws frames",
      400,
      async (rng) => {
        if (!client.open) {
          const info = await client.waitClosed();
          expect(info.code === 1000 || (info.code >= 4000 && info.code < 5000)).toBe(true);
          closes++;
          client = await WsTestClient.connect(hub().wsUrl, { token: hub().keys.attacker!.key });
        }
        client.sendText(randomFrame(rng));
      },
      seed,
    );
    // A last, valid call on a fresh connection is still answered.
    client.close();
    const fresh = await WsTestClient.connect(hub().wsUrl, { token: hub().keys.attacker!.key });
    const answer = await fresh.call("hub.list", {}, { timeoutMs: 10_000 });
    fresh.close();
    expect(answer.type).toBe("call.responded");
    return closes;
  });
  expect(hub().running).toBe(true);
}, 120_000);

function randomSchema(rng: Rng, depth = 3): unknown {
  if (depth === 0 || rng.chance(0.25))
    return rng.pick<unknown>([{ type: "string" }, { type: "number" }, true, {}, rng.json(2)]);
  const pick = rng.int(0, 5);
  if (pick === 0)
    return {
      type: "object",
      properties: { a: randomSchema(rng, depth - 1) },
      required: rng.chance(0.5) ? ["a"] : [],
    };
  if (pick === 1) return { type: "array", items: randomSchema(rng, depth - 1), uniqueItems: rng.chance(0.5) };
  if (pick === 2) return { anyOf: [randomSchema(rng, depth - 1), randomSchema(rng, depth - 1)] };
  if (pick === 3) return { type: "string", pattern: rng.pick(["^(a|a)*$", "(", "^x", "(a)\\1"]) };
  if (pick === 4)
    return {
      $defs: { n: { type: "array", items: { $ref: "#/$defs/n" } } },
      $ref: rng.pick(["#/$defs/n", "#/nowhere"]),
    };
  return rng.json(3);
}

test("random registration specs and schemas, then random calls: typed answers, no stall", async () => {
  const seed = fuzzSeed();
  const codes = new Set<string>();
  await hub().underAttack("registration fuzz", async () => {
    const caller = await WsTestClient.connect(hub().wsUrl, { token: hub().keys.attacker!.key });
    try {
      await fuzz(
        "registrations",
        40,
        async (rng, i) => {
          const spoke = await WsTestClient.connect(hub().wsUrl, { token: hub().keys.attacker!.key });
          try {
            const spec: Record<string, unknown> = {
              name: rng.chance(0.9) ? `evil-f${i}` : rng.string(rng.int(0, 70)),
              operations: Array.from({ length: rng.int(0, 4) }, (_, j) => ({
                name: rng.chance(0.9) ? `op${j}` : rng.string(6),
                type: rng.pick(["query", "mutation", "subscription", "other"]),
                description: rng.string(rng.int(0, 30)),
                inputSchema: randomSchema(rng),
                ...(rng.chance(0.3) ? { outputSchema: randomSchema(rng) } : {}),
              })),
            };
            if (rng.chance(0.2)) spec.visibility = rng.json(1);
            if (rng.chance(0.2)) spec.maxConcurrency = rng.json(1);
            const answer = await spoke.call("hub.register", rng.chance(0.95) ? spec : rng.json(3), {
              timeoutMs: 20_000,
            });
            if (answer.type === "call.error") {
              codes.add(String(answer.payload.code));
              expect(String(answer.payload.message).length).toBeGreaterThan(0);
              return;
            }
            expect(answer.type).toBe("call.responded");
            const operations = spec.operations as Array<{ name: string }>;
            if (operations.length === 0) return;
            // The raw spoke never answers: a call either fails validation at once or times out by its deadline.
            const call = await caller.call(`${spec.name}.${operations[0]!.name}`, rng.json(3), {
              deadline: Date.now() + 300,
              timeoutMs: 20_000,
            });
            expect(["call.responded", "call.error"]).toContain(call.type);
            if (call.type === "call.error") codes.add(String(call.payload.code));
          } finally {
            spoke.close();
          }
        },
        seed,
      );
    } finally {
      caller.close();
    }
  });
  expect(hub().running).toBe(true);
  for (const code of codes) expect(code).toMatch(/^[A-Z_]+$/);
}, 180_000);
