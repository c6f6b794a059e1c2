/**
 * The dashboard's session cookie against a real hub (docs/security.md › Dashboard sessions): sign-in sets an
 * HttpOnly, SameSite=Strict cookie; /api/v1 accepts it only with X-Alkhub-CSRF: 1; a tampered or expired cookie
 * is refused; revoking or disabling the key ends its sessions on the very next request; the cookie is no key
 * anywhere but /api/v1; sign-out clears it; /ui is served with a strict Content-Security-Policy.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Scope } from "../../src/auth/index.ts";
import { hkdfKey } from "../../src/crypto/index.ts";
import { SESSION_KEY_INFO, SessionSealer } from "../../src/ui/index.ts";
import { TEST_MODE } from "../support/services.ts";
import { makeKey, type TestKey } from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

describe(`dashboard sessions (${TEST_MODE})`, () => {
  let testHub: TestHub;
  let url: string;
  let admin: TestKey;

  beforeAll(async () => {
    // Behind a TLS-terminating proxy (trustProxy): X-Forwarded-Proto says whether the browser used https.
    testHub = await startTestHub({ extra: { server: { host: "127.0.0.1", port: 0, trustProxy: true } } });
    url = testHub.url;
    admin = await makeKey(testHub.hub, { scopes: ["admin"] });
  }, 120_000);
  afterAll(async () => {
    await testHub?.stop();
  });

  const signIn = (key: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/ui/session`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-alkhub-csrf": "1", ...headers },
      body: JSON.stringify({ key }),
    });
  /** Signs in with a fresh key of `scopes`; returns the key and the cookie pair (`alkhub_session=…`). */
  const session = async (scopes: Scope[] = ["read"]) => {
    const key = await makeKey(testHub.hub, { scopes });
    const response = await signIn(key.key);
    expect(response.status).toBe(201);
    const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] as string;
    return { key, cookie };
  };
  const api = (path: string, cookie: string, init: RequestInit & { csrf?: boolean } = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { cookie, ...(init.csrf === false ? {} : { "x-alkhub-csrf": "1" }), ...(init.headers ?? {}) },
    });

  test("sign-in answers the key's identity and an HttpOnly, SameSite=Strict session cookie", async () => {
    const key = await makeKey(testHub.hub, { scopes: ["read", "call"] });
    const response = await signIn(key.key);
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ keyId: key.id, scopes: ["read", "call"] });
    expect(JSON.stringify(body)).not.toContain(key.key);
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(
      /^alkhub_session=v1\.[\w-]+\.[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/,
    );
    // The cookie names the key by id, sealed: neither the key nor its id is readable in it.
    expect(cookie).not.toContain(key.key);
    expect(cookie).not.toContain(key.id);
  });

  test("the cookie is Secure when the browser came over https (X-Forwarded-Proto behind a trusted proxy)", async () => {
    const secure = await signIn(admin.key, { "x-forwarded-proto": "https" });
    expect(secure.headers.get("set-cookie")).toEndWith("; HttpOnly; SameSite=Strict; Secure");
    const plain = await signIn(admin.key, { "x-forwarded-proto": "http" });
    expect(plain.headers.get("set-cookie")).toEndWith("; HttpOnly; SameSite=Strict");
  });

  test("a bad key, a missing CSRF header or another site's Origin get no cookie", async () => {
    const bad = await signIn("alk_nosuchkeyid_notarealsecretnotarealsecretnotarealsecret00");
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
    const noHeader = await fetch(`${url}/ui/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: admin.key }),
    });
    expect(noHeader.status).toBe(403);
    const crossSite = await signIn(admin.key, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("set-cookie")).toBeNull();
    const noKey = await fetch(`${url}/ui/session`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-alkhub-csrf": "1" },
      body: "{}",
    });
    expect(noKey.status).toBe(400);
    expect(((await noKey.json()) as { message: string }).message).toContain("body.key");
  });

  test("the cookie works on /api/v1 only with the CSRF header", async () => {
    const { cookie } = await session(["read"]);
    expect((await api("/api/v1/operations", cookie)).status).toBe(200);
    const without = await api("/api/v1/operations", cookie, { csrf: false });
    expect(without.status).toBe(403);
    expect(((await without.json()) as { message: string }).message).toContain("X-Alkhub-CSRF");
    const wrongValue = await api("/api/v1/operations", cookie, {
      csrf: false,
      headers: { "x-alkhub-csrf": "0" },
    });
    expect(wrongValue.status).toBe(403);
  });

  test("scopes follow the key: a read key's session may not manage keys, an admin's may", async () => {
    const reader = await session(["read"]);
    expect((await api("/api/v1/keys", reader.cookie)).status).toBe(403);
    const boss = await session(["admin"]);
    const listed = await api("/api/v1/keys", boss.cookie);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { items: unknown[] }).items.length).toBeGreaterThan(0);
  });

  test("the cookie is not a key on other surfaces (/mcp)", async () => {
    const { cookie } = await session(["admin"]);
    const mcp = await api("/mcp", cookie, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    expect(mcp.status).toBe(401);
  });

  test("a tampered cookie and an expired one are refused", async () => {
    const { cookie } = await session(["read"]);
    const tampered = cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    expect((await api("/api/v1/operations", tampered)).status).toBe(401);
    // Sealed with the same master key (as another instance would) but an hour and more in the past.
    const past = new SessionSealer(hkdfKey(testHub.files.masterKey, SESSION_KEY_INFO), {
      now: () => Date.now() - 2 * 60 * 60 * 1000,
    });
    const expired = past.seal(admin.id).token;
    expect((await api("/api/v1/operations", `alkhub_session=${expired}`)).status).toBe(401);
    // The same key sealing a fresh session — what another instance behind the balancer does — is accepted.
    const fresh = new SessionSealer(hkdfKey(testHub.files.masterKey, SESSION_KEY_INFO)).seal(admin.id);
    expect((await api("/api/v1/operations", `alkhub_session=${fresh.token}`)).status).toBe(200);
  });

  test("revoking the key ends its session on the next request", async () => {
    const { key, cookie } = await session(["read"]);
    expect((await api("/api/v1/operations", cookie)).status).toBe(200);
    const revoked = await fetch(`${url}/api/v1/keys/${key.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${admin.key}` },
    });
    expect(revoked.status).toBe(200);
    expect((await api("/api/v1/operations", cookie)).status).toBe(401);
    const who = (await (await api("/ui/session", cookie)).json()) as { signedIn: boolean };
    expect(who.signedIn).toBe(false);
  });

  test("disabling the key ends its session on the next request; enabling lets it back", async () => {
    const { key, cookie } = await session(["read"]);
    const patch = (enabled: boolean) =>
      fetch(`${url}/api/v1/keys/${key.id}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${admin.key}`, "content-type": "application/json" },
        body: JSON.stringify({ enabled }),
      });
    expect((await patch(false)).status).toBe(200);
    expect((await api("/api/v1/operations", cookie)).status).toBe(401);
    expect((await patch(true)).status).toBe(200);
    expect((await api("/api/v1/operations", cookie)).status).toBe(200);
  });

  test("GET /ui/session says who is signed in; DELETE clears the cookie", async () => {
    const { key, cookie } = await session(["read"]);
    const who = await api("/ui/session", cookie);
    expect(await who.json()).toMatchObject({ signedIn: true, keyId: key.id, scopes: ["read"] });
    expect(await (await api("/ui/session", "")).json()).toEqual({ signedIn: false });
    const out = await api("/ui/session", cookie, { method: "DELETE" });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toBe(
      "alkhub_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
    );
    expect((await api("/ui/session", cookie, { method: "DELETE", csrf: false })).status).toBe(403);
  });

  test("/ui and its assets carry a strict Content-Security-Policy and no third-party reference", async () => {
    const page = await fetch(`${url}/ui`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    const script = /src="(\/ui\/assets\/app-[0-9a-f]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${url}${script}`, { headers: { "accept-encoding": "gzip" } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect(await asset.text()).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect((await fetch(`${url}/ui/assets/nope.js`)).status).toBe(404);
  });
});
