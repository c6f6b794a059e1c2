// alkhub-test: once
/**
 * Seeded fuzzing of HTTP bodies (issue #10 › Done when): random JSON values, JSON-RPC shapes with random parts,
 * broken text and deep or wide nesting, POSTed to `/mcp` (with and without a session), `/api/v1` calls and
 * `/api/v1/keys`. Every answer must be a prompt, well-formed refusal or result — never a 5xx, never a hang —
 * while the harness keeps `/health` fast and the bystander unharmed. A failure names the seed and iteration:
 * `ALKHUB_FUZZ_SEED=<seed> bun test ./tests/hostile/fuzz-bodies.test.ts` replays it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type HostileHub, startHostileHub } from "./support/index.ts";
import { connectRawSpoke, oneOperation, type RawSpoke } from "./support/raw-spoke.ts";
import { fuzz, fuzzSeed, type Rng } from "./support/seeded.ts";

/** Iterations per target: enough to walk the shapes, bounded for CI on two cores. */
const ITERATIONS = Number(process.env.ALKHUB_FUZZ_ITERATIONS || 150);
const MCP_ACCEPT = "application/json, text/event-stream";
/** Characters a header value may carry (fetch refuses others before anything is sent). */
const HEADER_SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

let hub: HostileHub;
let spoke: RawSpoke;
let sessionId: string;

beforeAll(async () => {
  hub = await startHostileHub({
    keys: {
      attacker: { scopes: ["spoke", "call", "read"], spokeNames: ["evil*"], account: "mallory" },
      admin: { scopes: ["admin"], account: "ops" },
    },
  });
  spoke = await connectRawSpoke(
    hub.wsUrl,
    hub.keys.attacker!.key,
    oneOperation("evil-fuzz", { type: "object", properties: { a: { type: "string" } } }),
  );
  const init = await fetch(`${hub.url}/mcp`, {
    method: "POST",
    headers: { ...auth("attacker"), "content-type": "application/json", accept: MCP_ACCEPT },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "fuzz", version: "0" } },
    }),
  });
  sessionId = init.headers.get("mcp-session-id")!;
  await init.text();
}, 90_000);

afterAll(async () => {
  spoke?.close();
  await hub?.stop();
});

function auth(name: string): Record<string, string> {
  return { authorization: `Bearer ${hub.keys[name]!.key}` };
}

const METHODS = [
  "initialize",
  "tools/list",
  "tools/call",
  "ping",
  "notifications/cancelled",
  "logging/setLevel",
  "x",
];
const OPERATIONS = ["evil-fuzz.op", "hub.list", "hub.call", "hub.schema", "nope.op", "", "hub.register"];

/** One JSON-RPC message, mostly well-formed, with random parts. */
function jsonRpc(rng: Rng): unknown {
  const message: Record<string, unknown> = { jsonrpc: rng.chance(0.9) ? "2.0" : rng.json(1) };
  if (rng.chance(0.8)) message.id = rng.pick([1, "a", null, rng.json(1), rng.int(-5, 1e9)]);
  message.method = rng.chance(0.85) ? rng.pick(METHODS) : rng.json(1);
  const args = rng.chance(0.7)
    ? { operation: rng.pick(OPERATIONS), input: rng.json(3), timeoutMs: rng.pick([undefined, 1, -1, 1e12]) }
    : rng.json(3);
  message.params = rng.chance(0.8)
    ? {
        name: rng.pick(["hub.call", "hub.list", "op", rng.string(8)]),
        arguments: args,
        requestId: rng.json(1),
        protocolVersion: rng.pick(["2025-06-18", "1999-01-01", rng.string(5)]),
        level: rng.pick(["debug", "nonsense"]),
      }
    : rng.json(2);
  return message;
}

/** A body: JSON of some shape, or text that is not quite JSON. */
function body(rng: Rng, shaped: (rng: Rng) => unknown): string {
  switch (rng.int(0, 9)) {
    case 0:
      return rng.string(rng.int(0, 64));
    case 1: {
      const text = JSON.stringify(shaped(rng));
      return text.slice(0, rng.int(0, text.length));
    }
    case 2: {
      const depth = rng.pick([100, 300, 5000]);
      return `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    }
    case 3:
      return JSON.stringify(Array.from({ length: rng.int(0, 40) }, () => shaped(rng)));
    case 4:
      return JSON.stringify(rng.json(4));
    default:
      return JSON.stringify(shaped(rng));
  }
}

/** POSTs and checks the answer is prompt and not a server error. */
async function send(path: string, text: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(`${hub.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: text,
    signal: AbortSignal.timeout(15_000),
  });
  const answer = await response.text();
  if (
    response.status >= 500 &&
    response.status !== 502 &&
    response.status !== 503 &&
    response.status !== 504
  ) {
    throw new Error(`${path} answered ${response.status} to ${text.slice(0, 200)}: ${answer.slice(0, 300)}`);
  }
}

test("random MCP bodies get prompt, well-formed answers", async () => {
  const seed = fuzzSeed();
  await hub.underAttack("fuzz /mcp bodies", () =>
    fuzz(
      "mcp bodies",
      ITERATIONS,
      async (rng) => {
        const text = body(rng, jsonRpc);
        const headers: Record<string, string> = { accept: MCP_ACCEPT, ...auth("attacker") };
        if (rng.chance(0.5))
          headers["mcp-session-id"] = rng.chance(0.9) ? sessionId : rng.string(20, HEADER_SAFE);
        if (rng.chance(0.3)) headers["mcp-protocol-version"] = rng.pick(["2025-06-18", "garbage"]);
        await send(rng.chance(0.8) ? "/mcp" : "/mcp/spokes/evil-fuzz", text, headers);
      },
      seed,
    ),
  );
  expect(hub.running).toBe(true);
}, 180_000);

test("random /api/v1 bodies get prompt, well-formed answers", async () => {
  const seed = fuzzSeed();
  const keyShape = (rng: Rng) => ({
    name: rng.chance(0.8) ? rng.string(rng.int(0, 20)) : rng.json(1),
    scopes: rng.chance(0.8) ? [rng.pick(["read", "call", "admin", "spoke", "x"])] : rng.json(2),
    spokeNames: rng.chance(0.5) ? [rng.string(5)] : undefined,
    expiresAt: rng.pick([undefined, "2099-01-01T00:00:00Z", "yesterday", rng.json(1)]),
  });
  await hub.underAttack("fuzz /api/v1 bodies", () =>
    fuzz(
      "api bodies",
      ITERATIONS,
      async (rng) => {
        if (rng.chance(0.6)) {
          const operation = rng.pick(OPERATIONS.filter((name) => name !== ""));
          const query = rng.chance(0.3) ? `?timeoutMs=${rng.pick(["5", "-1", "x", "1e12"])}` : "";
          await send(
            `/api/v1/operations/${operation}/call${query}`,
            body(rng, () => rng.json(3)),
            auth("attacker"),
          );
        } else {
          await send("/api/v1/keys", body(rng, keyShape), auth("admin"));
        }
      },
      seed,
    ),
  );
  expect(hub.running).toBe(true);
}, 180_000);
