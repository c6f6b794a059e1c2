/**
 * The /ws handshake over real sockets (PROTOCOL.md › Handshake, SECURITY.md): a key in the Authorization header
 * or in the `alkhub.bearer.` subprotocol opens a connection; every refusal is a real HTTP status before any
 * upgrade — 401 without a key, with a bad, revoked or expired key, or with the key in the query string; 403 for
 * a browser Origin the hub does not allow.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { revokeApiKey } from "../../src/auth/index.ts";
import { SUBPROTOCOL } from "../../src/protocol/index.ts";
import { upgradeStatus } from "../support/raw-ws.ts";
import { TEST_MODE } from "../support/services.ts";
import { makeKey, type TestKey } from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";
import { WsTestClient, wsUrl } from "../support/ws-client.ts";

describe(`/ws handshake (${TEST_MODE})`, () => {
  let testHub: TestHub;
  let caller: TestKey;
  let url: string;
  let httpWs: string;

  beforeAll(async () => {
    testHub = await startTestHub({
      extra: { server: { host: "127.0.0.1", port: 0, allowedOrigins: ["https://app.example.com"] } },
    });
    caller = await makeKey(testHub.hub, { scopes: ["call", "read"] });
    url = wsUrl(testHub.url);
    httpWs = `${testHub.url}/ws`;
  }, 60_000);

  afterAll(async () => {
    await testHub?.stop();
  });

  test("a bearer header opens a connection that can call the hub", async () => {
    const client = await WsTestClient.connect(url, { token: caller.key });
    expect(await client.output("hub.spokes", {})).toEqual({ spokes: [] });
    client.close();
    expect((await client.waitClosed()).code).toBe(1000);
  });

  test("the subprotocol pair opens a connection and the hub answers alkhub.v1 only", async () => {
    const client = await WsTestClient.connect(url, { token: caller.key, auth: "subprotocol" });
    expect(client.protocol).toBe(SUBPROTOCOL);
    expect(await client.output("hub.list", {})).toEqual({ operations: [] });
    client.close();
    const answer = await upgradeStatus(httpWs, {
      "Sec-WebSocket-Protocol": `${SUBPROTOCOL}, alkhub.bearer.${caller.key}`,
    });
    expect(answer.status).toBe(101);
    expect(answer.headers["sec-websocket-protocol"]).toBe(SUBPROTOCOL);
  });

  test("without a key the upgrade is refused with HTTP 401", async () => {
    const answer = await upgradeStatus(httpWs);
    expect(answer.status).toBe(401);
    expect(answer.headers.upgrade).toBeUndefined();
    expect(JSON.parse(answer.body).code).toBe("ACCESS_DENIED");
    await expect(WsTestClient.connect(url)).rejects.toThrow();
  });

  test("a bad key is refused with 401, and the refusal does not echo the key", async () => {
    const bad = `${caller.key.slice(0, -4)}xxxx`;
    const answer = await upgradeStatus(httpWs, { Authorization: `Bearer ${bad}` });
    expect(answer.status).toBe(401);
    // Compared as a boolean so that a failure never prints the key.
    expect(answer.body.includes(bad)).toBe(false);
    const garbage = await upgradeStatus(httpWs, { Authorization: "Bearer not-a-key" });
    expect(garbage.status).toBe(401);
    const viaProtocol = await upgradeStatus(httpWs, {
      "Sec-WebSocket-Protocol": `${SUBPROTOCOL}, alkhub.bearer.${bad}`,
    });
    expect(viaProtocol.status).toBe(401);
  });

  test("a revoked key is refused with 401", async () => {
    const doomed = await makeKey(testHub.hub, { scopes: ["call"] });
    expect((await upgradeStatus(httpWs, { Authorization: `Bearer ${doomed.key}` })).status).toBe(101);
    expect(await revokeApiKey(testHub.hub.store, doomed.id)).toBe(true);
    // The verifier caches keys for a while; revocation through the API evicts, a direct store write does not.
    testHub.hub.keys.evict(doomed.id);
    expect((await upgradeStatus(httpWs, { Authorization: `Bearer ${doomed.key}` })).status).toBe(401);
  });

  test("an expired key is refused with 401", async () => {
    const expired = await makeKey(testHub.hub, { scopes: ["call"], expiresAt: new Date(Date.now() - 1000) });
    const answer = await upgradeStatus(httpWs, { Authorization: `Bearer ${expired.key}` });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).message).toContain("expired");
  });

  test("a key in the query string is not accepted", async () => {
    for (const name of ["token", "key", "access_token", "apiKey"]) {
      const answer = await upgradeStatus(`${httpWs}?${name}=${encodeURIComponent(caller.key)}`);
      expect(answer.status).toBe(401);
    }
  });

  test("a browser Origin that is not allowed gets 403; an allowed or same-host one is accepted", async () => {
    const auth = { Authorization: `Bearer ${caller.key}` };
    const foreign = await upgradeStatus(httpWs, { ...auth, Origin: "https://evil.example.com" });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).message).toContain("evil.example.com");
    // The Origin check comes first: without a key a foreign page still sees 403, not a hint about keys.
    expect((await upgradeStatus(httpWs, { Origin: "https://evil.example.com" })).status).toBe(403);
    expect((await upgradeStatus(httpWs, { ...auth, Origin: "https://app.example.com" })).status).toBe(101);
    const own = new URL(testHub.url).host;
    expect((await upgradeStatus(httpWs, { ...auth, Origin: `http://${own}` })).status).toBe(101);
  });
});
