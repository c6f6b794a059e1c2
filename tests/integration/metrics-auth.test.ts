import { afterAll, beforeAll, expect, test } from "bun:test";
import { createApiKey } from "../../src/auth/index.ts";
import { describeWithServices } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

describeWithServices("/metrics with metrics.requireKey", () => {
  let testHub: TestHub;
  let readKey: string;
  let spokeKey: string;

  beforeAll(async () => {
    testHub = await startTestHub({ extra: { metrics: { requireKey: true } } });
    const store = testHub.hub.store;
    readKey = (await createApiKey(store, { account: "ops", name: "prometheus", scopes: ["read"] })).key;
    spokeKey = (await createApiKey(store, { account: "ops", name: "spoke", scopes: ["spoke"] })).key;
  }, 60_000);

  afterAll(async () => {
    await testHub?.stop();
  });

  test("without a key the scrape is refused with 401 and WWW-Authenticate", async () => {
    const response = await fetch(`${testHub.url}/metrics`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
  });

  test("a key without scope read gets 403", async () => {
    const response = await fetch(`${testHub.url}/metrics`, {
      headers: { authorization: `Bearer ${spokeKey}` },
    });
    expect(response.status).toBe(403);
  });

  test("a key with scope read scrapes", async () => {
    const response = await fetch(`${testHub.url}/metrics`, {
      headers: { authorization: `Bearer ${readKey}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("alkhub_ready 1");
  });

  test("/health stays open", async () => {
    expect((await fetch(`${testHub.url}/health`)).status).toBe(200);
  });
});
