import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { openApiProblems } from "../../tests/support/openapi-check.ts";
import type { ApiDeps } from "./deps.ts";
import { apiRouteTable } from "./index.ts";
import { apiDocument } from "./meta-routes.ts";
import { openApiDocument, operationId } from "./openapi.ts";
import { defineRoute } from "./route.ts";

// biome-ignore lint/suspicious/noExplicitAny: a test walks the generated document as loose JSON.
type Loose = any;

/** The table's handlers are not called here: the deps are never reached. */
const NO_DEPS = new Proxy({} as ApiDeps, {
  get: () => () => {
    throw new Error("not reached in this test");
  },
});

const Thing = Type.Object({ id: Type.String(), size: Type.Integer() }, { $id: "Thing" });

const sample = [
  defineRoute({
    method: "GET",
    path: "/things/{id}",
    summary: "Show a thing",
    tag: "things",
    scope: "admin",
    params: Type.Object({ id: Type.String({ description: "Thing id." }) }),
    query: Type.Object({ deep: Type.Optional(Type.Boolean()), mode: Type.String() }),
    response: Thing,
    handle: () => ({ id: "a", size: 1 }),
  }),
  defineRoute({
    method: "POST",
    path: "/things",
    summary: "Make a thing",
    tag: "things",
    scope: "any",
    body: Type.Object({ size: Type.Integer() }),
    response: Type.Object({ made: Thing }),
    status: 201,
    handle: () => ({ made: { id: "a", size: 1 } }),
  }),
  defineRoute({
    method: "GET",
    path: "/things/events",
    summary: "Watch things",
    tag: "things",
    scope: "any",
    stream: "text/event-stream",
    response: Thing,
    handle: () => new Response(""),
  }),
  defineRoute({
    method: "GET",
    path: "/about",
    summary: "About",
    tag: "meta",
    scope: "public",
    response: Type.Object({}),
    handle: () => ({}),
  }),
];

describe("openApiDocument", () => {
  const doc = openApiDocument(sample, { title: "t", version: "1", prefix: "/api/v1" }) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: { schemas: Record<string, unknown> };
    servers: unknown;
  };

  test("one operation per route, with a stable id, tag, scope and the prefix as server", () => {
    expect(Object.keys(doc.paths).sort()).toEqual(["/about", "/things", "/things/events", "/things/{id}"]);
    const show = doc.paths["/things/{id}"]!.get as Record<string, unknown>;
    expect(show.operationId).toBe("getThingsById");
    expect(show.tags).toEqual(["things"]);
    expect(show["x-alkhub-scope"]).toBe("admin");
    expect(doc.servers).toEqual([{ url: "/api/v1" }]);
  });

  test("params and query become parameters; required follows the schema; path params always required", () => {
    const show = doc.paths["/things/{id}"]!.get as { parameters: Record<string, unknown>[] };
    expect(show.parameters).toEqual([
      { name: "id", in: "path", required: true, description: "Thing id.", schema: { type: "string" } },
      { name: "deep", in: "query", required: false, schema: { type: "boolean" } },
      { name: "mode", in: "query", required: true, schema: { type: "string" } },
    ]);
  });

  test("named schemas ($id) move to components and are referenced", () => {
    expect(doc.components.schemas.Thing).toEqual({
      type: "object",
      properties: { id: { type: "string" }, size: { type: "integer" } },
      required: ["id", "size"],
    });
    const made = doc.paths["/things"]!.post as { responses: Record<string, Loose> };
    expect(made.responses["201"].content["application/json"].schema.properties.made).toEqual({
      $ref: "#/components/schemas/Thing",
    });
    expect(JSON.stringify(doc)).not.toContain('"$id"');
  });

  test("errors by what the route does: auth for non-public, 404 with params, 413 with a body", () => {
    const codes = (path: string, method: string) =>
      Object.keys((doc.paths[path]![method] as { responses: object }).responses);
    expect(codes("/things/{id}", "get")).toEqual(["200", "400", "401", "403", "404", "429", "503"]);
    expect(codes("/things", "post")).toEqual(["201", "400", "401", "403", "409", "413", "429", "503"]);
    expect(codes("/about", "get")).toEqual(["200", "400", "503"]);
    expect((doc.paths["/about"]!.get as { security: unknown }).security).toEqual([]);
  });

  test("a stream is text/event-stream with its event data schema", () => {
    const watch = doc.paths["/things/events"]!.get as { responses: Record<string, Loose> };
    const media = watch.responses["200"].content["text/event-stream"];
    expect(media["x-alkhub-event-data"]).toEqual({ $ref: "#/components/schemas/Thing" });
  });

  test("the sample is valid OpenAPI 3.1, and the check does catch a broken document", async () => {
    expect(await openApiProblems(doc as unknown as Record<string, unknown>)).toEqual([]);
    const broken = structuredClone(doc) as unknown as Record<string, Loose>;
    broken.paths["/things"].post.responses = { ok: { description: 1 } };
    expect((await openApiProblems(broken)).length).toBeGreaterThan(0);
    const badSchema = structuredClone(doc) as unknown as Record<string, Loose>;
    badSchema.components.schemas.Thing.properties.id.type = "text";
    expect((await openApiProblems(badSchema)).join("\n")).toContain("#/components/schemas/Thing");
  });
});

test("operationId: method plus path words, parameters as By<Name>", () => {
  expect(operationId("GET", "/keys")).toBe("getKeys");
  expect(operationId("DELETE", "/secrets/{account}/{client}/{name}")).toBe(
    "deleteSecretsByAccountByClientByName",
  );
  expect(operationId("GET", "/audit-logs")).toBe("getAuditLogs");
  expect(operationId("GET", "/openapi.json")).toBe("getOpenapiJson");
});

describe("the hub's own table", () => {
  const routes = apiRouteTable(NO_DEPS);
  const doc = apiDocument(routes) as { paths: Record<string, Record<string, { operationId: string }>> };

  test("is valid OpenAPI 3.1 and every schema compiles", async () => {
    expect(await openApiProblems(doc as unknown as Record<string, unknown>)).toEqual([]);
  });

  test("has every route once, with unique operation ids", () => {
    const described = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const table = routes.map((route) => `${route.method} ${route.path}`);
    expect(new Set(table).size).toBe(table.length);
    expect(described.sort()).toEqual([...table].sort());
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("includes the non-admin catalog routes and the admin resources", () => {
    for (const path of [
      "/spokes",
      "/operations",
      "/operations/{name}/call",
      "/keys/{id}",
      "/accounts",
      "/clients",
      "/secrets/rotate",
      "/openapi.json",
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
  });
});
