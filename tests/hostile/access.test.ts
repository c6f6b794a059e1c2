// alkhub-test: once
/**
 * Issue #10 items 3–8, each as an attack on a compiled hub with real keys under the hostile harness (`/health`
 * sampled every 50 ms, a bystander key calling throughout): revocation reaching every live session, DNS
 * rebinding beyond loopback, body limits, per-key limits, failed authentications, and the smaller ones.
 *
 * The hub listens on 127.0.0.2 — a loopback address that is not a loopback *name* — which is the case the
 * rebinding check must cover (a hub on `0.0.0.0` in a container), without leaving loopback. `trustProxy` is on,
 * so each attack can come "from" its own address through X-Forwarded-For.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { revokeApiKey } from "../../src/auth/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import { CLOSE_CODES } from "../../src/protocol/index.ts";
import { openStore } from "../../src/store/index.ts";
import { eventually } from "../support/eventually.ts";
import { upgradeStatus } from "../support/raw-ws.ts";
import { TEST_MODE } from "../support/services.ts";
import { WsTestClient } from "../support/ws-client.ts";
import { type HostileHub, startHostileHub } from "./support/index.ts";
import { connectRawSpoke, oneOperation, type RawSpoke } from "./support/raw-spoke.ts";

const HOST = "127.0.0.2";
const LIMITS = {
  callsPerSecond: 2000,
  callBurst: 500,
  maxInFlight: 20,
  maxMcpSessions: 5,
  maxConnections: 6,
};
const MCP_ACCEPT = "application/json, text/event-stream";
const PROTOCOL_VERSION = "2025-06-18";

let hub: HostileHub;
const clients: WsTestClient[] = [];
const spokes: RawSpoke[] = [];

beforeAll(async () => {
  hub = await startHostileHub({
    config: {
      server: { host: HOST, port: 0, trustProxy: true },
      mcp: { anonymous: { enabled: true, scopes: ["call", "read"], operations: ["evil-pub*"] } },
      limits: { perKey: LIMITS },
    },
    keys: {
      attacker: { scopes: ["spoke", "call", "read"], spokeNames: ["evil*"], account: "mallory" },
      victim: { scopes: ["spoke", "call", "read"], spokeNames: ["victim*"], account: "victim" },
      limited: { scopes: ["call", "read"], operations: ["evil-pub.*"], account: "mallory" },
      outsider: { scopes: ["call", "read"], account: "outsiders" },
      flooder: { scopes: ["call", "read"], account: "mallory" },
      guessed: { scopes: ["call"], account: "victim" },
      admin: { scopes: ["admin"], account: "ops" },
    },
  });
  // The attacker's spokes: a public one that answers, one that never answers (holds calls open), and an
  // owner-only one.
  spokes.push(
    await connectRawSpoke(hub.wsUrl, key("attacker"), oneOperation("evil-pub", { type: "object" })),
    await connectRawSpoke(hub.wsUrl, key("attacker"), {
      name: "evil-own",
      visibility: "owner",
      operations: [
        { name: "secret", type: "query", description: "private", inputSchema: { type: "object" } },
      ],
    }),
  );
}, 90_000);

afterAll(async () => {
  for (const client of clients) client.close();
  for (const spoke of spokes) spoke.close();
  await hub?.stop();
});

/** The hub's Postgres database, opened from the test (services mode). */
function openHubDatabase() {
  return openStore({
    postgres: { url: hub.files.database!.url, maxConnections: 2 },
    embedded: { dataDir: hub.files.dir },
    log: silentLogger,
  });
}

function key(name: string): string {
  return hub.keys[name]!.key;
}

function bearer(name: string, from?: string): Record<string, string> {
  return { authorization: `Bearer ${key(name)}`, ...(from ? { "x-forwarded-for": from } : {}) };
}

async function connect(name: string): Promise<WsTestClient> {
  const client = await WsTestClient.connect(hub.wsUrl, { token: key(name) });
  clients.push(client);
  return client;
}

/** A spoke on the raw wire that never answers: calls to it stay in flight until aborted. */
async function silentSpoke(keyName: string, name: string): Promise<WsTestClient> {
  const spoke = await connect(keyName);
  const answer = await spoke.register(oneOperation(name, { type: "object" }, "slow"));
  expect(answer.type).toBe("call.responded");
  return spoke;
}

function post(path: string, body: BodyInit, headers: Record<string, string>): Promise<Response> {
  return fetch(`${hub.url}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
}

function initializeBody(id: number | string = 1): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "hostile", version: "0" },
    },
  });
}

/** Opens an MCP session on `path` (`initialize` + `notifications/initialized`); the session id or the refusal. */
async function openMcpSession(
  headers: Record<string, string>,
  path = "/mcp",
): Promise<{ sessionId?: string; response: Response }> {
  const response = await post(path, initializeBody(), { ...headers, accept: MCP_ACCEPT });
  const sessionId = response.headers.get("mcp-session-id") ?? undefined;
  await response.text();
  if (sessionId) {
    const done = await post(path, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), {
      ...headers,
      accept: MCP_ACCEPT,
      "mcp-session-id": sessionId,
      "mcp-protocol-version": PROTOCOL_VERSION,
    });
    await done.text();
  }
  return { sessionId, response };
}

/** Opens the session's GET event stream; resolves `ended` when the hub closes it. */
async function openEventStream(
  headers: Record<string, string>,
  sessionId: string,
  path = "/mcp",
): Promise<{ ended: Promise<void>; cancel(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${hub.url}${path}`, {
    headers: {
      ...headers,
      accept: "text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": PROTOCOL_VERSION,
    },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const ended = (async () => {
    try {
      while (!(await reader.read()).done) {}
    } catch {
      // An abort or reset ends it too.
    }
  })();
  return { ended, cancel: () => controller.abort() };
}

function toolsCall(id: number | string, operation: string): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "hub.call", arguments: { operation, input: {} } },
  });
}

/** Resolves with how long after `since` the promise settled. */
function settledAfter(promise: Promise<unknown>, since: () => number): Promise<number> {
  return promise.then(
    () => performance.now() - since(),
    () => performance.now() - since(),
  );
}

// Item 3 ---------------------------------------------------------------------------------------------------------

test("revocation reaches every live session of the key at once: /ws, MCP streams, in-flight HTTP and MCP calls", async () => {
  const spoke = await silentSpoke("victim", "victim");
  const caller = await connect("victim");
  const wsCall = caller.call("victim.slow", {}, { timeoutMs: 60_000 });
  const { sessionId } = await openMcpSession(bearer("victim"));
  expect(sessionId).toBeDefined();
  const stream = await openEventStream(bearer("victim"), sessionId!);
  const mcpCall = post("/mcp", toolsCall(9, "victim.slow"), {
    ...bearer("victim"),
    accept: MCP_ACCEPT,
    "mcp-session-id": sessionId!,
    "mcp-protocol-version": PROTOCOL_VERSION,
  }).then((response) => response.text());
  const httpCall = post("/api/v1/operations/victim.slow/call", "{}", bearer("victim"));
  // Every call is at the spoke before the revocation.
  await eventually(() => spoke.frames.filter((f) => f.type === "call.requested").length === 3, {
    what: "three calls held at the spoke",
  });

  let revokedAt = 0;
  const { result: after } = await hub.underAttack("revoke a busy key", async () => {
    revokedAt = performance.now();
    if (TEST_MODE === "services") {
      // As `alkhub keys revoke` does, straight in the database: no admin API, no bus message. Postgres
      // NOTIFY is what reaches the running hub.
      const store = await openHubDatabase();
      try {
        expect(await revokeApiKey(store, hub.keys.victim!.id)).toBe(true);
      } finally {
        await store.close();
      }
    } else {
      const response = await fetch(`${hub.url}/api/v1/keys/${hub.keys.victim!.id}`, {
        method: "DELETE",
        headers: bearer("admin"),
      });
      expect(response.status).toBe(200);
    }
    const since = () => revokedAt;
    const bound = (what: string, promise: Promise<unknown>) =>
      Promise.race([
        settledAfter(promise, since),
        Bun.sleep(10_000).then(() => {
          throw new Error(`${what} survived the revocation for 10 s`);
        }),
      ]);
    return Promise.all([
      bound("the spoke's /ws connection", spoke.closed),
      bound("the caller's /ws connection", caller.closed),
      bound("the MCP event stream", stream.ended),
      bound("the in-flight MCP call", mcpCall),
      bound("the in-flight HTTP call", httpCall),
    ]);
  });
  console.log(`revocation reached every session within ${Math.round(Math.max(...after))} ms`);
  expect(spoke.closeInfo?.code).toBe(CLOSE_CODES.KEY_REVOKED);
  expect(caller.closeInfo?.code).toBe(CLOSE_CODES.KEY_REVOKED);
  expect((await wsCall.catch(() => undefined))?.type ?? "closed").not.toBe("call.responded");
  expect((await httpCall).status).toBeGreaterThanOrEqual(400);
  // And the key is refused from now on, everywhere.
  expect((await post("/api/v1/operations/victim.slow/call", "{}", bearer("victim"))).status).toBe(401);
  expect((await openMcpSession(bearer("victim"))).response.status).toBe(401);
}, 120_000);

// Item 4 ---------------------------------------------------------------------------------------------------------

test("DNS rebinding: beyond loopback names, a foreign Host is refused on /mcp (even anonymous) and /ws", async () => {
  const foreign = { host: "attacker.example", origin: "http://attacker.example" };
  const { result } = await hub.underAttack("dns rebinding", async () => {
    const mcp = await post("/mcp", toolsCall(1, "evil-pub.op"), { ...foreign, accept: MCP_ACCEPT });
    const ws = await upgradeStatus(`http://attacker.example:${new URL(hub.url).port}/ws`, {
      authorization: `Bearer ${key("attacker")}`,
    }).catch(() => undefined);
    return { mcp: mcp.status, body: await mcp.text(), ws: ws?.status };
  });
  expect(result.mcp).toBe(403);
  expect(result.body).not.toContain("structuredContent");
  // The machine's own address is accepted (the anonymous tool runs).
  const own = await post("/mcp", toolsCall(2, "evil-pub.op"), { accept: MCP_ACCEPT });
  expect(own.status).toBe(200);
  // /ws with a foreign Host (sent on the raw socket to 127.0.0.2).
  const raw = await rawUpgradeWithHost("attacker.example");
  expect(raw).toBe(403);
  expect(result.ws === undefined || result.ws === 403).toBe(true);
}, 60_000);

async function rawUpgradeWithHost(host: string): Promise<number> {
  const { promise, resolve, reject } = Promise.withResolvers<number>();
  const port = Number(new URL(hub.url).port);
  let text = "";
  const socket = await Bun.connect({
    hostname: HOST,
    port,
    socket: {
      open: (s) =>
        void s.write(
          [
            "GET /ws HTTP/1.1",
            `Host: ${host}`,
            "Connection: Upgrade",
            "Upgrade: websocket",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            `Authorization: Bearer ${key("attacker")}`,
            "",
            "",
          ].join("\r\n"),
        ),
      data: (_s, chunk) => {
        text += new TextDecoder().decode(chunk);
        const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
        if (match) resolve(Number(match[1]));
      },
      close: () => reject(new Error("closed without an answer")),
      error: (_s, error) => reject(error),
    },
  });
  try {
    return await Promise.race([promise, Bun.sleep(5000).then(() => -1)]);
  } finally {
    socket.end();
  }
}

// Item 5 ---------------------------------------------------------------------------------------------------------

/** A body of up to `mib` MiB that is only produced as the server reads it; `pulled()` says how far it got. */
function lazyBody(mib: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const chunk = new Uint8Array(64 * 1024).fill(32);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= mib * 16) return controller.close();
      pulled++;
      controller.enqueue(chunk);
    },
  });
  return { body, pulled: () => pulled * 64 * 1024 };
}

test("bodies are counted as they stream and refused with 413 at the limit on every route", async () => {
  const { result } = await hub.underAttack("50 MiB bodies", async () => {
    const routes = [
      ["/mcp", { accept: MCP_ACCEPT }],
      ["/api/v1/operations/evil-pub.op/call", bearer("attacker")],
    ] as const;
    return Promise.all(
      routes.flatMap(([path, headers]) =>
        [0, 1].map(async () => {
          const lazy = lazyBody(50);
          const response = await fetch(`${hub.url}${path}`, {
            method: "POST",
            body: lazy.body,
            headers: { "content-type": "application/json", ...headers },
          }).catch(() => undefined);
          return { path, status: response?.status, pulled: lazy.pulled() };
        }),
      ),
    );
  });
  for (const { path, status, pulled } of result) {
    expect({ path, status }).toEqual({ path, status: 413 });
    // Never buffered past the limit (1 MiB) plus what sits in socket buffers.
    expect(pulled).toBeLessThan(16 * 1024 * 1024);
  }
  // A declared length over the limit is refused before a byte of it is read, on any route.
  for (const path of ["/mcp", "/api/v1/keys", "/health", "/no/such/route"]) {
    const answer = await rawPostDeclaring(path, 50 * 1024 * 1024);
    expect({ path, answer }).toEqual({ path, answer: 413 });
  }
}, 120_000);

/** Sends only the head of a POST that declares `length` bytes; the status the hub answers without them. */
async function rawPostDeclaring(path: string, length: number): Promise<number> {
  const { promise, resolve, reject } = Promise.withResolvers<number>();
  let text = "";
  const socket = await Bun.connect({
    hostname: HOST,
    port: Number(new URL(hub.url).port),
    socket: {
      open: (s) =>
        void s.write(
          `POST ${path} HTTP/1.1\r\nHost: ${HOST}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n{`,
        ),
      data: (_s, chunk) => {
        text += new TextDecoder().decode(chunk);
        const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
        if (match) resolve(Number(match[1]));
      },
      close: () => resolve(-1),
      error: (_s, error) => reject(error),
    },
  });
  try {
    return await Promise.race([promise, Bun.sleep(5000).then(() => -2)]);
  } finally {
    socket.end();
  }
}

// Item 6 ---------------------------------------------------------------------------------------------------------

test("per-key limits: calls per second, calls in flight, MCP sessions and /ws connections answer 429/RATE_LIMITED", async () => {
  await silentSpoke("attacker", "evil-hold");
  const { result } = await hub.underAttack("per-key limits", async () => {
    // In flight: 60 calls that the spoke never answers.
    const holder = await connect("flooder");
    const held = Array.from({ length: 60 }, () => holder.call("evil-hold.slow", {}, { timeoutMs: 60_000 }));
    const inFlight = await eventually(
      () => {
        const refused = holder.frames.filter(
          (f) => f.type === "call.error" && f.payload.code === "RATE_LIMITED",
        );
        return refused.length === 60 - LIMITS.maxInFlight ? refused : false;
      },
      { what: "calls past the in-flight cap refused" },
    );
    // Calls per second: 1,500 hub.list frames at once from one key.
    const burst = await connect("outsider");
    for (let i = 0; i < 1500; i++) burst.request("hub.list", { limit: 1 });
    const rate = await eventually(
      () => {
        const ended = burst.frames.filter((f) => f.type === "call.responded" || f.type === "call.error");
        return ended.length === 1500 ? ended : false;
      },
      { timeoutMs: 30_000, what: "1,500 answers" },
    );
    // MCP sessions: 12 initializes.
    const sessions = [];
    for (let i = 0; i < 12; i++) sessions.push((await openMcpSession(bearer("limited"))).response);
    // /ws connections: 10 more for one key.
    const upgrades = [];
    for (let i = 0; i < 10; i++) {
      upgrades.push(await upgradeStatus(`${hub.url}/ws`, { authorization: `Bearer ${key("guessed")}` }));
    }
    for (const call of held) void call.catch(() => undefined);
    holder.close();
    return { inFlight, rate, sessions, upgrades };
  });
  expect(result.inFlight[0]!.payload.details).toMatchObject({ retryAfterMs: expect.any(Number) });
  const limited = result.rate.filter((f) => f.type === "call.error");
  expect(limited.length).toBeGreaterThan(0);
  expect(limited.every((f) => f.payload.code === "RATE_LIMITED")).toBe(true);
  expect(result.rate.length - limited.length).toBeGreaterThanOrEqual(LIMITS.callBurst);
  const sessionStatuses = result.sessions.map((r) => r.status);
  expect(sessionStatuses.filter((s) => s === 200).length).toBe(LIMITS.maxMcpSessions);
  const refusedSession = result.sessions.find((r) => r.status === 429)!;
  expect(Number(refusedSession.headers.get("retry-after"))).toBeGreaterThan(0);
  // The upgrade answered 101 and closed at once by the helper does not keep a slot: the cap is on open ones,
  // so check with connections held open.
  const held: WsTestClient[] = [];
  for (let i = 0; i < LIMITS.maxConnections; i++) held.push(await connect("guessed"));
  const refused = await upgradeStatus(`${hub.url}/ws`, { authorization: `Bearer ${key("guessed")}` });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
  for (const client of held) client.close();
  expect(result.upgrades.every((u) => u.status === 101 || u.status === 429)).toBe(true);
}, 120_000);

// Item 7 ---------------------------------------------------------------------------------------------------------

test("failed authentications: limited per key id and per address, audited coalesced, logged at a bounded rate", async () => {
  const realId = hub.keys.guessed!.id;
  const wrong = () =>
    `alk_${realId}_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
  const logBefore = hub.log().length;
  const { result } = await hub.underAttack("600 wrong secrets", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 600; i++) {
      // Each guess from another address: only the key id ties them together.
      const response = await fetch(`${hub.url}/api/v1/spokes`, {
        headers: { authorization: `Bearer ${wrong()}`, "x-forwarded-for": `10.7.${i >> 8}.${i & 255}` },
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    const byAddress: Response[] = [];
    for (let i = 0; i < 60; i++) {
      byAddress.push(
        await fetch(`${hub.url}/api/v1/spokes`, {
          headers: { authorization: "Bearer alk_nope", "x-forwarded-for": "10.9.9.9" },
        }),
      );
    }
    return {
      statuses,
      byAddress: byAddress.map((r) => ({ status: r.status, retry: r.headers.get("retry-after") })),
    };
  });
  expect(result.statuses.filter((s) => s === 401).length).toBe(10);
  expect(result.statuses.filter((s) => s === 429).length).toBe(590);
  expect(result.byAddress.filter((r) => r.status === 401).length).toBe(30);
  expect(result.byAddress.at(-1)).toMatchObject({ status: 429, retry: expect.any(String) });
  // The real key still works: it is the guesses that are limited, from any address.
  expect((await fetch(`${hub.url}/api/v1/spokes`, { headers: bearer("guessed", "10.7.0.1") })).status).toBe(
    200,
  );
  // Logged as summaries, not per attempt (the flush runs every 10 s).
  await eventually(() => hub.log().slice(logBefore).includes("failed authentications"), {
    timeoutMs: 20_000,
    what: "a failed-authentication summary in the log",
  });
  const lines = hub
    .log()
    .slice(logBefore)
    .split("\n")
    .filter((line) => line.includes("failed authentications"));
  expect(lines.length).toBeLessThanOrEqual(3);
  if (TEST_MODE === "services") {
    const store = await openHubDatabase();
    try {
      const rows = await eventually(
        async () => {
          const found = (await store.db.execute(
            `select target, outcome, details from audit_logs where action = 'auth.failure'` as never,
          )) as unknown as { rows?: unknown[] } | unknown[];
          const list = (Array.isArray(found) ? found : (found.rows ?? [])) as {
            target: string | null;
            details: { count: number };
          }[];
          return list.length > 0 ? list : false;
        },
        { timeoutMs: 20_000, what: "auth.failure audit rows" },
      );
      // 660 failures, at most a hundred-odd rows, and the counts add up.
      expect(rows.length).toBeLessThanOrEqual(202);
      expect(rows.filter((r) => r.target === realId).reduce((sum, r) => sum + r.details.count, 0)).toBe(10);
    } finally {
      await store.close();
    }
  }
}, 120_000);

// Item 8 ---------------------------------------------------------------------------------------------------------

test("protocol.error floods spend the bad-frame budget and leave a bounded log", async () => {
  const logBefore = hub.log().length;
  const { result } = await hub.underAttack("protocol.error flood", async () => {
    const noisy = await connect("attacker");
    for (let i = 0; i < 50 && noisy.open; i++) {
      noisy.send("protocol.error", `p${i}`, { message: "m".repeat(10_000), ref: "r".repeat(20_000) });
    }
    return noisy.waitClosed(10_000);
  });
  expect(result.code).toBe(CLOSE_CODES.PROTOCOL_VIOLATION);
  const grown = hub.log().length - logBefore;
  expect(grown).toBeLessThan(50_000);
  // Key ids are logged as they are (public), not redacted.
  expect(hub.log().slice(logBefore)).toContain(`"keyId":"${hub.keys.attacker!.id}"`);
}, 60_000);

test("input nested 100k deep is answered, frees its request id, and is a 400 over HTTP", async () => {
  const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
  const client = await connect("attacker");
  const { result } = await hub.underAttack("deep nesting", async () => {
    client.sendText(
      `{"type":"call.requested","id":"deep1","payload":{"requestId":"deep1","operation":"evil-pub.op","input":{"x":${deep}}}}`,
    );
    const first = await client.waitFor((f) => f.id === "deep1", 10_000);
    const http = await post("/api/v1/operations/evil-pub.op/call", `{"x":${deep}}`, bearer("attacker"));
    return { first, http: { status: http.status, body: await http.text() } };
  });
  expect(result.first.type).toBe("call.error");
  expect(result.first.payload.code).toBe("VALIDATION_ERROR");
  // The request id is free again.
  client.request("evil-pub.op", {}, { requestId: "deep1" });
  const again = await client.waitFor((f) => f.id === "deep1" && f !== result.first, 10_000);
  expect(again.type).toBe("call.responded");
  expect(result.http.status).toBe(400);
  expect(result.http.body).not.toContain("Maximum call stack");
}, 60_000);

test("two hub.register frames with different names on one connection leave no name behind", async () => {
  const { result } = await hub.underAttack("two names, one connection", async () => {
    const double = await connect("attacker");
    const a = double.request("hub.register", oneOperation("evil-twin-a", { type: "object" }));
    const b = double.request("hub.register", oneOperation("evil-twin-b", { type: "object" }));
    const answers = [await double.waitFor((f) => f.id === a), await double.waitFor((f) => f.id === b)];
    double.close();
    await double.waitClosed();
    // Both names are free for a new connection.
    const again = await eventually(async () => {
      const fresh = await connect("attacker");
      const ra = await fresh.register(oneOperation("evil-twin-a", { type: "object" }));
      fresh.close();
      const fresh2 = await connect("attacker");
      const rb = await fresh2.register(oneOperation("evil-twin-b", { type: "object" }));
      fresh2.close();
      return ra.type === "call.responded" && rb.type === "call.responded" ? [ra, rb] : false;
    });
    return { answers, again };
  });
  expect(result.answers.filter((f) => f.type === "call.responded").length).toBe(1);
  expect(result.again.length).toBe(2);
}, 60_000);

test("a client offering only alkhub.bearer.<key> never gets its key echoed", async () => {
  const { result } = await hub.underAttack("subprotocol echo", () =>
    upgradeStatus(`${hub.url}/ws`, { "sec-websocket-protocol": `alkhub.bearer.${key("attacker")}` }),
  );
  expect(JSON.stringify(result.headers)).not.toContain(key("attacker"));
  expect(result.status).not.toBe(101);
}, 30_000);

test("hidden operations answer like missing ones, and refused calls add no operation label to /metrics", async () => {
  const { result } = await hub.underAttack("probe hidden names", async () => {
    const limited = await connect("limited");
    const outsider = await connect("outsider");
    return {
      hidden: await limited.call("evil-own.secret", {}),
      globbed: await limited.call("evil-hold.slow", {}),
      missing: await limited.call("evil-nothing.op", {}),
      owner: await outsider.call("evil-own.secret", {}),
    };
  });
  const shape = (frame: { payload: Record<string, unknown> }, name: string) => ({
    code: frame.payload.code,
    message: String(frame.payload.message).replace(name, "NAME"),
  });
  const missing = shape(result.missing, "evil-nothing.op");
  expect(shape(result.hidden, "evil-own.secret")).toEqual(missing);
  expect(shape(result.globbed, "evil-hold.slow")).toEqual(missing);
  expect(shape(result.owner, "evil-own.secret")).toEqual(missing);
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  expect(metrics).not.toContain('operation="evil-own.secret"');
}, 60_000);

test("a body Postgres cannot store is refused clearly; no SQL or parameters reach the answer", async () => {
  const { result } = await hub.underAttack("database error", async () => {
    const response = await post(
      "/api/v1/keys",
      JSON.stringify({ name: "nul\u0000byte", scopes: ["read"] }),
      bearer("admin"),
    );
    return { status: response.status, body: await response.text() };
  });
  expect(result.status).toBe(400);
  expect(JSON.parse(result.body)).toEqual({
    code: "VALIDATION_ERROR",
    message: "name must not contain NUL characters",
  });
  expect(result.body).not.toMatch(/insert|select|query|\$1/i);
}, 30_000);

async function crossCancel(
  spoke: WsTestClient,
  operation: string,
  a: Record<string, string>,
  b: Record<string, string>,
) {
  const before = spoke.frames.length;
  const dropA = new AbortController();
  // A's stateless call (JSON-RPC id 7) to an operation that never answers.
  const call = fetch(`${hub.url}/mcp`, {
    method: "POST",
    body: toolsCall(7, operation),
    headers: { "content-type": "application/json", accept: MCP_ACCEPT, ...a },
    signal: dropA.signal,
  }).catch(() => undefined);
  await eventually(() => spoke.frames.slice(before).some((f) => f.type === "call.requested"), {
    what: "A's call at the spoke",
  });
  // B cancels id 7.
  const cancel = await post(
    "/mcp",
    JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } }),
    { accept: MCP_ACCEPT, ...b },
  );
  await cancel.text();
  // Then A drops its own stream: the spoke must hear A's reason first.
  dropA.abort();
  await call;
  const aborted = await eventually(
    () => spoke.frames.slice(before).find((f) => f.type === "call.aborted") ?? false,
    {
      what: "the call aborted",
    },
  );
  return String(aborted.payload.reason);
}

test("one anonymous or same-key MCP client cannot cancel another's call by its JSON-RPC id", async () => {
  const spoke = await silentSpoke("attacker", "evil-pub-slow");
  const { result } = await hub.underAttack("cross-client cancel", async () => ({
    anonymous: await crossCancel(spoke, "evil-pub-slow.slow", {}, {}),
    sameKey: await crossCancel(
      spoke,
      "evil-pub-slow.slow",
      bearer("outsider", "10.5.0.1"),
      bearer("outsider", "10.5.0.2"),
    ),
  }));
  expect(result.anonymous).toContain("closed the stream");
  expect(result.sameKey).toContain("closed the stream");
}, 60_000);

test("a session id used on a second endpoint is 404 there: no second session object, the first keeps its stream", async () => {
  const { sessionId } = await openMcpSession(bearer("outsider"));
  const stream = await openEventStream(bearer("outsider"), sessionId!);
  const ping = (path: string) =>
    post(path, JSON.stringify({ jsonrpc: "2.0", id: 3, method: "ping" }), {
      ...bearer("outsider"),
      accept: MCP_ACCEPT,
      "mcp-session-id": sessionId!,
      "mcp-protocol-version": PROTOCOL_VERSION,
    });
  const { result } = await hub.underAttack("adopt on another endpoint", async () => {
    // Session ids are bound to the endpoint that minted them (docs/mcp.md › Sessions): nothing is adopted.
    const elsewhere = await ping("/mcp/spokes/evil-pub");
    await elsewhere.text();
    const home = await ping("/mcp");
    await home.text();
    return { elsewhere: elsewhere.status, home: home.status };
  });
  let ended = false;
  void stream.ended.then(() => {
    ended = true;
  });
  stream.cancel();
  expect(result).toEqual({ elsewhere: 404, home: 200 });
  expect(ended).toBe(false);
}, 60_000);
