/**
 * The API's description and its edges, in both modes: `GET /api/v1/openapi.json` (no key) is valid OpenAPI 3.1
 * and describes every route the hub mounts; `GET /api/docs` is the self-contained reference of the same
 * document; and a route whose database is gone answers 503 UNAVAILABLE, not a 500.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { apiDocument } from "../../src/admin/index.ts";
import { mountRoutes } from "../../src/http/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import { api, expectRefusal, routeTableForTests } from "../support/api-client.ts";
import { openApiProblems } from "../support/openapi-check.ts";
import { TEST_MODE } from "../support/services.ts";
import { makeKey } from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

describe(`API description (${TEST_MODE})`, () => {
  let hub: TestHub;
  // biome-ignore lint/suspicious/noExplicitAny: the document is read as loose JSON.
  let served: any;

  beforeAll(async () => {
    hub = await startTestHub();
    const answer = await fetch(`${hub.url}/api/v1/openapi.json`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toContain("application/json");
    served = await answer.json();
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
  }, 60_000);

  test("GET /api/v1/openapi.json needs no key and is valid OpenAPI 3.1", async () => {
    expect(served.openapi).toBe("3.1.0");
    expect(await openApiProblems(served)).toEqual([]);
    expect(served).toEqual(JSON.parse(JSON.stringify(apiDocument(routeTableForTests()))));
  }, 30_000);

  test("every route the mount serves is in the document, and nothing else is", () => {
    const mounted = mountRoutes(routeTableForTests(), {
      name: "described",
      prefix: "/api/v1",
      authenticate: async () => ({ ok: false, response: new Response(null, { status: 401 }) }),
      body: { maxBytes: 1024, maxDepth: 8 },
      log: () => silentLogger,
    });
    const served_ = mounted.routes.map(
      (route) =>
        `${route.method} ${route.path.replace(/^\/api\/v1/, "").replace(/:([A-Za-z_]\w*)/g, "{$1}")}`,
    );
    const described = Object.entries(served.paths as Record<string, object>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served_.length).toBeGreaterThan(15);
    expect([...served_].sort()).toEqual([...described].sort());
  });

  test("the catalog routes for every key are described beside the admin ones", () => {
    expect(served.paths["/operations/{name}/call"].post["x-alkhub-scope"]).toBe("any");
    expect(served.paths["/keys"].post["x-alkhub-scope"]).toBe("admin");
    expect(
      served.paths["/keys"].post.requestBody.content["application/json"].schema.properties.scopes,
    ).toBeDefined();
    expect(served.components.schemas.KeyView).toBeDefined();
  });

  test("GET /api/docs is a self-contained page of the same document", async () => {
    const answer = await fetch(`${hub.url}/api/docs`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(answer.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await answer.text();
    const block = /<script type="application\/json" id="openapi">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(block as string)).toEqual(served);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  });

  test("a store outage is 503 UNAVAILABLE with a plain message", async () => {
    const own = await startTestHub();
    try {
      const admin = await makeKey(own.hub, { scopes: ["admin"] });
      const unseen = await makeKey(own.hub, { scopes: ["admin"] });
      // Verified once, the key is served from the cache while the store is gone.
      expect((await api(own.url, "GET", "/keys", { key: admin.key })).status).toBe(200);
      await own.hub.store.close();
      for (const path of ["/keys", "/accounts", "/clients", "/secrets"]) {
        const answer = await api(own.url, "GET", path, { key: admin.key });
        expectRefusal(answer, 503, "UNAVAILABLE", "the database is unreachable");
      }
      // A key not in the cache must be read from the store to be checked: that is a 503 too.
      const unchecked = await api(own.url, "GET", "/keys", { key: unseen.key });
      expectRefusal(unchecked, 503, "UNAVAILABLE", "the key cannot be checked right now");
    } finally {
      await own.stop().catch(() => {});
    }
  }, 60_000);
});
