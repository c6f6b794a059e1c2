/**
 * The catalog over real sockets: `hub.list`, `hub.search`, `hub.schema`, `hub.spokes` and `hub.call` over /ws,
 * the same over HTTP (`/api/v1/spokes`, `/api/v1/operations[?q=]`, `/api/v1/operations/<name>`,
 * `POST /api/v1/operations/<name>/call`: JSON in and out, errors `{ code, message }` with the status of
 * HTTP_STATUS_BY_CODE, 401 + WWW-Authenticate without a key), and private spokes (visibility "owner"), listed and
 * callable only by keys of the same account and by admins.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { HTTP_STATUS_BY_CODE } from "../../src/protocol/index.ts";
import { eventually } from "../support/eventually.ts";
import { useHubSuite } from "../support/hub-suite.ts";
import { TEST_MODE } from "../support/services.ts";
import {
  connectTestSpoke,
  makeKey,
  type TestKey,
  type TestSpoke,
  testSpokeOperationCount,
} from "../support/spoke-kit.ts";
import type { WsTestClient } from "../support/ws-client.ts";

const MAX_FRAME_BYTES = 65_536;

interface Listing {
  operations: { name: string; type: string; description: string; spoke: { name: string; live: boolean } }[];
  nextCursor?: string;
}

describe(`catalog over /ws and HTTP (${TEST_MODE})`, () => {
  const suite = useHubSuite({ extra: { limits: { maxFrameBytes: MAX_FRAME_BYTES } } });
  let callerKey: TestKey;
  let outsiderKey: TestKey;
  let adminKey: TestKey;
  let caller: WsTestClient;
  let outsider: WsTestClient;
  let admin: WsTestClient;
  let dev1Spoke: TestSpoke;
  /** The spoke with `maxConcurrency: 1`. */
  let busy: TestSpoke;
  const connect = suite.connect;
  const api = (path: string, token: string | undefined, init: RequestInit = {}) =>
    fetch(`${suite.testHub.url}/api/v1${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
    });
  const post = (name: string, token: string, body: unknown, query = "") =>
    api(`/operations/${name}/call${query}`, token, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const names = (listing: unknown) => (listing as Listing).operations.map((op) => op.name);

  beforeAll(async () => {
    const spokeKey = await makeKey(suite.hub, { scopes: ["spoke"], spokeNames: ["*"], account: "acme" });
    callerKey = await makeKey(suite.hub, { scopes: ["call", "read"], account: "acme" });
    outsiderKey = await makeKey(suite.hub, { scopes: ["call", "read"], account: "globex" });
    adminKey = await makeKey(suite.hub, { scopes: ["admin"], account: "root" });
    dev1Spoke = await suite.spoke(spokeKey.key, "dev1", { kind: "dev-env", version: "1.2.3" });
    busy = await suite.spoke(spokeKey.key, "busy", { maxConcurrency: 1 });
    await suite.spoke(spokeKey.key, "secret", { visibility: "owner" });
    const gone = await connectTestSpoke(suite.url, spokeKey.key, "gone");
    await gone.spoke.close();
    caller = await connect(callerKey.key);
    outsider = await connect(outsiderKey.key);
    admin = await connect(adminKey.key);
    await eventually(async () => {
      const { spokes: rows } = (await caller.output("hub.spokes", {})) as {
        spokes: { name: string; live: boolean }[];
      };
      expect(rows.find((row) => row.name === "gone")?.live).toBe(false);
    });
  }, 60_000);

  test("hub.list over /ws: sorted, filtered by namespace, paged with a cursor", async () => {
    const all = names(await caller.output("hub.list", {}));
    expect(all).toEqual([...all].sort());
    expect(all).toContain("dev1.math.add");
    expect(all).toContain("gone.math.add");
    const dev1 = (await caller.output("hub.list", { namespace: "dev1" })) as Listing;
    expect(dev1.operations.every((op) => op.name.startsWith("dev1."))).toBe(true);
    expect(dev1.operations.find((op) => op.name === "dev1.count.up")).toEqual({
      name: "dev1.count.up",
      type: "subscription",
      description: "Yields 1..n",
      spoke: { name: "dev1", live: true },
    });
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await caller.output("hub.list", {
        namespace: "dev1",
        limit: 3,
        ...(cursor ? { cursor } : {}),
      })) as Listing;
      expect(page.operations.length).toBeLessThanOrEqual(3);
      paged.push(...page.operations.map((op) => op.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(names(dev1));
    expect((await caller.error("hub.list", { cursor: "!!" })).code).toBe("VALIDATION_ERROR");
    expect((await caller.error("hub.list", { limit: 0 })).message).toContain("limit");
  });

  test("hub.search ranks the best match first, live spokes before offline ones", async () => {
    const found = names(await caller.output("hub.search", { query: "add" }));
    expect(found.slice(0, 2)).toEqual(["busy.math.add", "dev1.math.add"]);
    expect(found).toContain("gone.math.add");
    expect(found.indexOf("gone.math.add")).toBeGreaterThan(found.indexOf("dev1.math.add"));
    expect(names(await caller.output("hub.search", { query: "add", namespace: "dev1" }))).toEqual([
      "dev1.math.add",
    ]);
    expect(names(await caller.output("hub.search", { query: "zebra" }))).toEqual([]);
    expect((await caller.error("hub.search", {})).code).toBe("VALIDATION_ERROR");
  });

  test("hub.schema returns the full spec under its published name; unknown names are not found", async () => {
    const schema = (await caller.output("hub.schema", { operation: "dev1.math.add" })) as Record<
      string,
      unknown
    >;
    expect(schema).toMatchObject({
      name: "dev1.math.add",
      type: "query",
      description: "Adds two numbers",
      spoke: { name: "dev1", live: true },
      inputSchema: { type: "object", required: ["a", "b"] },
      outputSchema: { type: "number" },
    });
    const missing = await caller.error("hub.schema", { operation: "dev1.nope" });
    expect(missing.code).toBe("OPERATION_NOT_FOUND");
    expect(missing.message).toContain("dev1.nope");
  });

  test("hub.spokes lists spokes with kind, version, liveness and operation counts", async () => {
    const { spokes: rows } = (await caller.output("hub.spokes", {})) as { spokes: Record<string, unknown>[] };
    expect(rows.map((row) => row.name)).toEqual(["busy", "dev1", "gone", "secret"]);
    expect(rows.find((row) => row.name === "dev1")).toMatchObject({
      kind: "dev-env",
      version: "1.2.3",
      live: true,
      operations: testSpokeOperationCount(),
      visibility: "public",
      connectedAt: expect.any(String),
    });
    expect(rows.find((row) => row.name === "gone")).toMatchObject({
      live: false,
      disconnectedAt: expect.any(String),
    });
  });

  test("hub.call over /ws reaches spokes and reports their errors", async () => {
    expect(await caller.output("hub.call", { operation: "dev1.math.add", input: { a: 1, b: 2 } })).toBe(3);
    expect((await caller.error("hub.call", { operation: "gone.math.add", input: { a: 1, b: 2 } })).code).toBe(
      "SPOKE_UNAVAILABLE",
    );
    expect(
      (await caller.error("hub.call", { operation: "dev1.math.add", input: { a: "x", b: 2 } })).code,
    ).toBe("VALIDATION_ERROR");
  });

  test("HTTP without a key, or with a bad one, gets 401 with WWW-Authenticate; the query string is ignored", async () => {
    for (const [path, token] of [
      ["/spokes", undefined],
      ["/operations", "alk_nope"],
      [`/operations?token=${callerKey.key}`, undefined],
      [`/operations/dev1.math.add?key=${callerKey.key}`, undefined],
    ] as const) {
      const response = await api(path, token);
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain("Bearer");
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code).toBe("ACCESS_DENIED");
      // Compared as a boolean so that a failure never prints the key.
      expect(body.message.includes(callerKey.key)).toBe(false);
    }
    const post401 = await post("dev1.math.add", "", { a: 1, b: 2 });
    expect(post401.status).toBe(401);
  });

  test("GET /api/v1/spokes, /operations, /operations?q= and /operations/<name>", async () => {
    const spokesResponse = await api("/spokes", callerKey.key);
    expect(spokesResponse.status).toBe(200);
    expect(spokesResponse.headers.get("content-type")).toContain("application/json");
    expect(((await spokesResponse.json()) as { items: { name: string }[] }).items.map((s) => s.name)).toEqual(
      ["busy", "dev1", "gone", "secret"],
    );
    const list = await (await api("/operations?namespace=dev1&limit=2", callerKey.key)).json();
    expect(names(list)).toHaveLength(2);
    const next = await (
      await api(`/operations?namespace=dev1&limit=50&cursor=${(list as Listing).nextCursor}`, callerKey.key)
    ).json();
    expect([...names(list), ...names(next)]).toEqual(
      names(await caller.output("hub.list", { namespace: "dev1" })),
    );
    expect(names(await (await api("/operations?q=add", callerKey.key)).json()).slice(0, 2)).toEqual([
      "busy.math.add",
      "dev1.math.add",
    ]);
    const schema = await api("/operations/dev1.count.up", callerKey.key);
    expect(schema.status).toBe(200);
    expect(await schema.json()).toMatchObject({ name: "dev1.count.up", type: "subscription" });
    const missing = await api("/operations/dev1.nope", callerKey.key);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      code: "OPERATION_NOT_FOUND",
      message: expect.stringContaining("dev1.nope"),
    });
    const badLimit = await api("/operations?limit=lots", callerKey.key);
    expect(badLimit.status).toBe(400);
  });

  test("POST /api/v1/operations/<name>/call: JSON in and out, subscriptions collected", async () => {
    const sum = await post("dev1.math.add", callerKey.key, { a: 2, b: 40 });
    expect(sum.status).toBe(200);
    expect(sum.headers.get("content-type")).toContain("application/json");
    expect(await sum.json()).toBe(42);
    const stream = await post("dev1.count.up", callerKey.key, { n: 4 });
    expect(await stream.json()).toEqual({ items: [1, 2, 3, 4], truncated: false });
    // Collected items are bounded; the rest is reported as truncated.
    const long = (await (await post("dev1.count.up", callerKey.key, { n: 1500 })).json()) as {
      items: number[];
      truncated: boolean;
    };
    expect(long.truncated).toBe(true);
    expect(long.items.length).toBe(1000);
    expect(long.items.at(-1)).toBe(1000);
    const viaHub = await post("hub.call", callerKey.key, {
      operation: "dev1.math.add",
      input: { a: 1, b: 1 },
    });
    expect(await viaHub.json()).toBe(2);
    const listing = await post("hub.list", callerKey.key, { namespace: "busy" });
    expect(names(await listing.json())).toContain("busy.math.add");
  });

  test("HTTP errors carry { code, message } with the status of HTTP_STATUS_BY_CODE", async () => {
    const limited = await makeKey(suite.hub, { scopes: ["call"], operations: ["dev1.math.*"] });
    const busyCall = caller.request("busy.slow.wait", {});
    await eventually(() => expect(busy.hold.started.length).toBe(1));
    const cases: [string, string, unknown, string, string?][] = [
      ["dev1.nope", callerKey.key, {}, "OPERATION_NOT_FOUND"],
      ["dev1.who.ami", limited.key, {}, "OPERATION_NOT_FOUND"],
      ["dev1.math.add", callerKey.key, { a: 1 }, "VALIDATION_ERROR"],
      ["dev1.math.add", callerKey.key, "{not json", "VALIDATION_ERROR"],
      ["dev1.fail.plain", callerKey.key, {}, "EXECUTION_ERROR"],
      ["dev1.slow.wait", callerKey.key, {}, "TIMEOUT", "?timeoutMs=100"],
      ["dev1.math.add", callerKey.key, {}, "VALIDATION_ERROR", "?timeoutMs=-5"],
      ["gone.math.add", callerKey.key, { a: 1, b: 1 }, "SPOKE_UNAVAILABLE"],
      ["busy.math.add", callerKey.key, { a: 1, b: 1 }, "SPOKE_BUSY"],
      ["dev1.math.add", callerKey.key, { a: 1, b: 1, pad: "x".repeat(MAX_FRAME_BYTES) }, "PAYLOAD_TOO_LARGE"],
      ["hub.register", callerKey.key, { name: "x", operations: [] }, "OPERATION_NOT_FOUND"],
    ];
    for (const [name, token, body, code, query] of cases) {
      const response = await post(name, token, body, query);
      const payload = (await response.json()) as { code: string; message: string };
      expect({ name, code: payload.code, status: response.status }).toEqual({
        name,
        code,
        status: HTTP_STATUS_BY_CODE[code as keyof typeof HTTP_STATUS_BY_CODE],
      });
      expect(typeof payload.message).toBe("string");
    }
    // A spoke's own code is passed through as an execution error (502).
    const coded = await post("dev1.fail.coded", callerKey.key, {});
    expect(coded.status).toBe(502);
    expect(await coded.json()).toEqual({ code: "FILE_NOT_FOUND", message: "no such file" });
    busy.hold.current.release();
    await caller.waitFor((f) => f.id === busyCall);
  });

  test("an HTTP client that goes away aborts its call: the spoke's AbortSignal fires", async () => {
    const dev1 = dev1Spoke;
    const before = dev1.hold.started.length;
    const abortable = new AbortController();
    const request = fetch(`${suite.testHub.url}/api/v1/operations/dev1.slow.wait/call`, {
      method: "POST",
      headers: { authorization: `Bearer ${callerKey.key}` },
      body: "{}",
      signal: abortable.signal,
    }).catch((error: unknown) => error);
    await eventually(() => expect(dev1.hold.started.length).toBe(before + 1));
    const started = dev1.hold.started[before]!;
    abortable.abort();
    expect(await request).toBeInstanceOf(Error);
    await eventually(() => expect(dev1.hold.aborted).toContain(started));
  });

  test("private spokes: listed and callable by keys of the same account and by admins only", async () => {
    const visibleTo = async (client: WsTestClient) => ({
      list: names(await client.output("hub.list", {})).some((name) => name.startsWith("secret.")),
      search: names(await client.output("hub.search", { query: "secret" })).length > 0,
      spokes: ((await client.output("hub.spokes", {})) as { spokes: { name: string }[] }).spokes.some(
        (s) => s.name === "secret",
      ),
      schema: (await client.call("hub.schema", { operation: "secret.math.add" })).type === "call.responded",
      call: (await client.call("secret.math.add", { a: 1, b: 1 })).payload.output === 2,
    });
    const everything = { list: true, search: true, spokes: true, schema: true, call: true };
    expect(await visibleTo(caller)).toEqual(everything);
    expect(await visibleTo(admin)).toEqual(everything);
    expect(await visibleTo(outsider)).toEqual({
      list: false,
      search: false,
      spokes: false,
      schema: false,
      call: false,
    });
    // To the outsider it does not exist at all: not found, never access denied.
    expect((await outsider.error("secret.math.add", { a: 1, b: 1 })).code).toBe("OPERATION_NOT_FOUND");
    const overHttp = await post("secret.math.add", outsiderKey.key, { a: 1, b: 1 });
    expect(overHttp.status).toBe(404);
    expect((await api("/operations/secret.math.add", outsiderKey.key)).status).toBe(404);
    expect(await (await post("secret.math.add", callerKey.key, { a: 1, b: 1 })).json()).toBe(2);
    expect(await (await post("secret.math.add", adminKey.key, { a: 2, b: 2 })).json()).toBe(4);
    const outsiderSpokes = (await (await api("/spokes", outsiderKey.key)).json()) as {
      items: { name: string }[];
    };
    expect(outsiderSpokes.items.map((s) => s.name)).not.toContain("secret");
  });
});
