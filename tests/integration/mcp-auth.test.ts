/**
 * Who may reach `/mcp`: no key or a bad key → 401 with `WWW-Authenticate: Bearer`; a session id is bound to
 * the key that opened it (another key, or a forged id → 404); browser origins and Host headers are checked
 * (DNS-rebinding protection) against `server.allowedOrigins` and the loopback listen address.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { connectMcp, type McpConnection, type McpTestKey, makeKey, postMcp } from "../support/mcp-client.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const ALLOWED_ORIGIN = "http://app.example";

let hub: TestHub;
let keyA: McpTestKey;
let keyB: McpTestKey;
const clients: McpConnection[] = [];

beforeAll(async () => {
  hub = await startTestHub({
    extra: { server: { host: "127.0.0.1", port: 0, allowedOrigins: [ALLOWED_ORIGIN] } },
  });
  keyA = await makeKey(hub.hub, { scopes: ["call"] });
  keyB = await makeKey(hub.hub, { scopes: ["call"] });
}, 30_000);

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await hub?.stop();
});

const mcpUrl = () => `${hub.url}/mcp`;
const bearer = (key: McpTestKey) => ({ authorization: `Bearer ${key.key}` });
const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: "raw", version: "0" },
  },
};
const ping = { jsonrpc: "2.0", id: 2, method: "ping" };

async function connect(key: McpTestKey, headers?: Record<string, string>): Promise<McpConnection> {
  const connection = await connectMcp(hub.url, key.key, { headers });
  clients.push(connection);
  return connection;
}

async function expectUnauthorized(response: Response): Promise<void> {
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
  const body = (await response.json()) as { code: string; message: string };
  expect(body.code).toBe("ACCESS_DENIED");
  expect(body.message).not.toContain("alk_");
}

test("no key → 401 with WWW-Authenticate: Bearer, on POST, GET and the spoke endpoints", async () => {
  await expectUnauthorized(await postMcp(mcpUrl(), initialize));
  await expectUnauthorized(await fetch(mcpUrl(), { headers: { accept: "text/event-stream" } }));
  await expectUnauthorized(await postMcp(`${hub.url}/mcp/spokes/any`, initialize));
  // The SDK client surfaces it as an HTTP 401 too.
  const error = await connectMcp(hub.url, undefined).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StreamableHTTPError);
  expect((error as StreamableHTTPError).code).toBe(401);
});

test("a bad, unknown or malformed key → 401, and the key never appears in the answer", async () => {
  const forged = `${keyA.key.slice(0, -4)}AAAA`;
  for (const key of [forged, "alk_nosuchkeyid_secret", "not-a-key"]) {
    const response = await postMcp(mcpUrl(), initialize, { authorization: `Bearer ${key}` });
    const text = await response.clone().text();
    expect(text).not.toContain(key);
    await expectUnauthorized(response);
  }
  const error = await connectMcp(hub.url, forged).catch((caught: unknown) => caught);
  expect((error as StreamableHTTPError).code).toBe(401);
});

test("a session id used with a different key → 404; with its own key it works", async () => {
  const { sessionId, client } = await connect(keyA);
  expect(sessionId).toBeDefined();
  const other = await postMcp(mcpUrl(), ping, { ...bearer(keyB), "mcp-session-id": sessionId! });
  expect(other.status).toBe(404);
  expect(((await other.json()) as { error: { code: number } }).error.code).toBe(-32001);
  const own = await postMcp(mcpUrl(), ping, { ...bearer(keyA), "mcp-session-id": sessionId! });
  expect(own.status).toBe(200);
  expect(await own.text()).toContain('"result":{}');
  expect(await client.ping()).toEqual({});
});

test("a forged or tampered session id → 404", async () => {
  const { sessionId } = await connect(keyA);
  const [random, mac] = sessionId!.split(".") as [string, string];
  const flipped = `${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`;
  const forgeries = [
    "00000000-0000-0000-0000-000000000000",
    `${random}.${flipped}`,
    `${random}x.${mac}`,
    `${random}.`,
    `.${mac}`,
    "x".repeat(300),
  ];
  for (const forged of forgeries) {
    const response = await postMcp(mcpUrl(), ping, { ...bearer(keyA), "mcp-session-id": forged });
    expect(response.status).toBe(404);
    await response.body?.cancel();
  }
  // A forged id on the GET stream and on DELETE is refused the same way.
  const get = await fetch(mcpUrl(), {
    headers: { ...bearer(keyA), accept: "text/event-stream", "mcp-session-id": `${random}.${flipped}` },
  });
  expect(get.status).toBe(404);
  const del = await fetch(mcpUrl(), {
    method: "DELETE",
    headers: { ...bearer(keyA), "mcp-session-id": `${random}.${flipped}` },
  });
  expect(del.status).toBe(404);
});

test("a request from a browser origin that is not allowed → 403", async () => {
  const evil = await postMcp(mcpUrl(), initialize, { ...bearer(keyA), origin: "http://evil.example" });
  expect(evil.status).toBe(403);
  expect(((await evil.json()) as { error: { message: string } }).error.message).toContain("evil.example");
  const get = await fetch(mcpUrl(), {
    headers: { ...bearer(keyA), accept: "text/event-stream", origin: "http://evil.example" },
  });
  expect(get.status).toBe(403);
  // The origin check runs before authentication: even without a key the answer is 403, not 401.
  expect((await postMcp(mcpUrl(), initialize, { origin: "null" })).status).toBe(403);
});

test("a Host header that is not a loopback name while listening on 127.0.0.1 → 403 (DNS rebinding)", async () => {
  const port = new URL(hub.url).port;
  for (const host of [`evil.example:${port}`, "evil.example", `127.0.0.1.nip.io:${port}`]) {
    const response = await postMcp(mcpUrl(), initialize, { ...bearer(keyA), host });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("host");
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
    const response = await postMcp(mcpUrl(), initialize, { ...bearer(keyA), host });
    expect(response.status).toBe(200);
    await response.body?.cancel();
  }
});

test("an origin from server.allowedOrigins (and the hub's own origin) passes", async () => {
  const allowed = await connect(keyA, { origin: ALLOWED_ORIGIN });
  expect(await allowed.client.ping()).toEqual({});
  const { tools } = await allowed.client.listTools();
  expect(tools).toHaveLength(4);
  const own = await postMcp(mcpUrl(), initialize, { ...bearer(keyA), origin: hub.url });
  expect(own.status).toBe(200);
  await own.body?.cancel();
});

test("a session ends with DELETE; its id is then refused, with any key", async () => {
  const connection = await connect(keyA);
  const sessionId = connection.sessionId!;
  const del = await fetch(mcpUrl(), {
    method: "DELETE",
    headers: { ...bearer(keyA), "mcp-session-id": sessionId },
  });
  expect(del.status).toBe(200);
  const other = await postMcp(mcpUrl(), ping, { ...bearer(keyB), "mcp-session-id": sessionId });
  expect(other.status).toBe(404);
  const own = await postMcp(mcpUrl(), ping, { ...bearer(keyA), "mcp-session-id": sessionId });
  expect(own.status).toBe(404);
});
