/**
 * The live-operations part of the admin API over real sockets (docs/admin-api.md › Live operations): spokes
 * (list, detail, disconnect, disable, enable), calls and audit logs (filters, keyset pages), instances, stats and
 * the SSE event stream — each with an admin key, a key without scope admin (403 where the route is admin-only)
 * and no key (401). In services mode the hub gets a Redis of its own, so no other suite's instance joins its
 * roster.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connectSpoke, HubError } from "../../src/sdk/index.ts";
import { calls } from "../../src/store/index.ts";
import { BUILD_INFO } from "../../src/version.ts";
import { eventually } from "../support/eventually.ts";
import { startRedisServer, type TestRedisServer } from "../support/redis-server.ts";
import { TEST_MODE } from "../support/services.ts";
import {
  connectTestSpoke,
  makeKey,
  newHold,
  spokeOperations,
  type TestKey,
  type TestSpoke,
  testSpokeOperationCount,
} from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";
import { wsUrl } from "../support/ws-client.ts";

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface CallItem {
  id: string;
  requestId: string;
  operation: string;
  spoke: string | null;
  callerKeyId: string | null;
  outcome: string;
  errorCode: string | null;
  startedAt: string;
  instanceId: string | null;
}
interface AuditItem {
  id: string;
  at: string;
  actorKeyId: string | null;
  action: string;
  target: string | null;
  outcome: string;
}

describe(`admin API: live operations (${TEST_MODE})`, () => {
  let redis: TestRedisServer | undefined;
  let testHub: TestHub;
  let admin: TestKey;
  let reader: TestKey;
  let spokeKey: TestKey;
  const spokes: TestSpoke[] = [];

  const api = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${testHub.url}/api/v1${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) },
    });
  const json = async <T>(path: string, token = admin.key, init: RequestInit = {}): Promise<T> => {
    const response = await api(path, token, init);
    const body = await response.text();
    if (response.status >= 300) throw new Error(`${path}: ${response.status} ${body}`);
    return JSON.parse(body) as T;
  };
  const post = (path: string, token = admin.key) => api(path, token, { method: "POST" });
  const call = (operation: string, token: string, input: unknown) =>
    api(`/operations/${operation}/call`, token, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input),
    });
  /** Every item of a list, page by page (`limit` per page). */
  const allPages = async <T>(path: string, limit: number): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | null = null;
    const join = path.includes("?") ? "&" : "?";
    do {
      const suffix: string = cursor ? `&cursor=${cursor}` : "";
      const page: Page<T> = await json<Page<T>>(`${path}${join}limit=${limit}${suffix}`);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };
  const spoke = async (name: string) => {
    const connected = await connectTestSpoke(wsUrl(testHub.url), spokeKey.key, name);
    spokes.push(connected);
    return connected;
  };

  beforeAll(async () => {
    redis = TEST_MODE === "services" ? await startRedisServer() : undefined;
    testHub = await startTestHub({ redisUrl: redis?.url, extra: { audit: { flushIntervalMs: 200 } } });
    admin = await makeKey(testHub.hub, { scopes: ["admin"], account: "root" });
    reader = await makeKey(testHub.hub, { scopes: ["call", "read"] });
    spokeKey = await makeKey(testHub.hub, { scopes: ["spoke"], spokeNames: ["*"] });
    await spoke("live1");
  }, 60_000);

  afterAll(async () => {
    for (const each of spokes) await each.spoke.close();
    await testHub?.stop();
    await redis?.stop();
  }, 60_000);

  test("every route: 401 without a key, 403 for a key without scope admin where admin-only", async () => {
    const routes: Array<[method: string, path: string, adminOnly: boolean]> = [
      ["GET", "/spokes", false],
      ["GET", "/spokes/live1", false],
      ["POST", "/spokes/live1/disconnect", true],
      ["POST", "/spokes/live1/disable", true],
      ["POST", "/spokes/live1/enable", true],
      ["GET", "/calls", true],
      ["GET", "/audit-logs", true],
      ["GET", "/instances", true],
      ["GET", "/stats", true],
      ["GET", "/events", true],
    ];
    for (const [method, path, adminOnly] of routes) {
      const anonymous = await api(path, undefined, { method });
      expect([path, anonymous.status]).toEqual([path, 401]);
      expect(((await anonymous.json()) as { code: string }).code).toBe("ACCESS_DENIED");
      const withReader = await api(path, reader.key, { method });
      if (adminOnly) {
        expect([path, withReader.status]).toEqual([path, 403]);
        expect(((await withReader.json()) as { message: string }).message).toContain("scope admin");
      } else {
        expect([path, withReader.status]).toEqual([path, 200]);
        await withReader.body?.cancel();
      }
    }
    // The spoke is untouched by the refused writes.
    expect(testHub.hub.subsystems.catalog.spoke("live1")?.live).toBe(true);
  });

  test("GET /spokes: views with live facts, status filter, name-ordered pages; detail with operations", async () => {
    await spoke("live2");
    const gone = await connectTestSpoke(wsUrl(testHub.url), spokeKey.key, "gone1");
    await gone.spoke.close();
    await eventually(() => testHub.hub.subsystems.catalog.spoke("gone1")?.live === false);
    const { items } = await json<Page<Record<string, unknown>>>("/spokes");
    const live1 = items.find((item) => item.name === "live1")!;
    expect(live1).toMatchObject({
      status: "online",
      instanceId: testHub.hub.instanceId,
      account: spokeKey.accountId,
      operations: testSpokeOperationCount(),
      inFlight: 0,
      disabled: false,
      disconnectedAt: null,
    });
    expect(typeof live1.heartbeatAgeMs).toBe("number");
    expect(Date.parse(live1.lastHeartbeatAt as string)).toBeGreaterThan(0);
    expect(items.find((item) => item.name === "gone1")).toMatchObject({
      status: "offline",
      heartbeatAgeMs: null,
    });
    const names = items.map((item) => item.name as string);
    expect(names).toEqual([...names].sort());
    const online = await json<Page<{ name: string; status: string }>>("/spokes?status=online");
    expect(online.items.every((item) => item.status === "online")).toBe(true);
    expect(online.items.map((item) => item.name)).not.toContain("gone1");
    const offline = await json<Page<{ name: string }>>("/spokes?status=offline");
    expect(offline.items.map((item) => item.name)).toContain("gone1");
    expect((await allPages<{ name: string }>("/spokes", 1)).map((item) => item.name)).toEqual(names);
    // A key without admin sees what it may see, in the same shape.
    const forReader = await json<Page<{ name: string; operations: number }>>("/spokes", reader.key);
    expect(forReader.items.find((item) => item.name === "live1")?.operations).toBe(testSpokeOperationCount());

    const detail = await json<{ name: string; operationList: Array<{ name: string; type: string }> }>(
      "/spokes/live1",
      reader.key,
    );
    expect(detail.name).toBe("live1");
    expect(detail.operationList).toContainEqual(
      expect.objectContaining({ name: "live1.math.add", type: "query" }),
    );
    // A private spoke is hidden from keys of other accounts: not listed, and 404 like an unknown name.
    spokes.push(
      await connectTestSpoke(wsUrl(testHub.url), spokeKey.key, "private1", { visibility: "owner" }),
    );
    const outsider = await makeKey(testHub.hub, { scopes: ["call", "read"], account: "globex" });
    const seen = await json<Page<{ name: string }>>("/spokes", outsider.key);
    expect(seen.items.map((item) => item.name)).toContain("live1");
    expect(seen.items.map((item) => item.name)).not.toContain("private1");
    expect((await api("/spokes/private1", outsider.key)).status).toBe(404);
    expect((await api("/spokes/private1", reader.key)).status).toBe(200);
    const missing = await api("/spokes/nope", admin.key);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe("OPERATION_NOT_FOUND");
    const badStatus = await api("/spokes?status=sleeping", admin.key);
    expect(badStatus.status).toBe(400);
    expect(((await badStatus.json()) as { message: string }).message).toContain("query.status");
    const badCursor = await api("/spokes?cursor=!!", admin.key);
    expect(badCursor.status).toBe(400);
    expect(((await badCursor.json()) as { message: string }).message).toContain("query.cursor");
  });

  test("GET /calls: the calls made, filtered by operation, spoke, key, outcome and time, in keyset pages", async () => {
    for (let i = 0; i < 3; i++)
      expect((await call("live1.math.add", reader.key, { a: i, b: 1 })).status).toBe(200);
    expect((await call("live1.fail.plain", admin.key, {})).status).toBeGreaterThanOrEqual(400);
    const mine = await eventually(
      async () => {
        const page = await json<Page<CallItem>>("/calls?spoke=live1&limit=500");
        return page.items.length >= 4 && page.items;
      },
      { what: "the calls written by the audit" },
    );
    expect(mine.every((item) => item.spoke === "live1" && item.instanceId === testHub.hub.instanceId)).toBe(
      true,
    );
    const startedAt = mine.map((item) => Date.parse(item.startedAt));
    expect(startedAt).toEqual([...startedAt].sort((a, b) => b - a));

    const adds = await json<Page<CallItem>>("/calls?operation=live1.math.add");
    expect(adds.items).toHaveLength(3);
    expect(adds.items.every((item) => item.outcome === "ok" && item.callerKeyId === reader.id)).toBe(true);
    const byKey = await json<Page<CallItem>>(`/calls?key=${reader.id}`);
    expect(byKey.items.map((item) => item.id).sort()).toEqual(adds.items.map((item) => item.id).sort());
    const errors = await json<Page<CallItem>>("/calls?spoke=live1&outcome=error");
    expect(errors.items).toHaveLength(1);
    expect(errors.items[0]).toMatchObject({ operation: "live1.fail.plain", callerKeyId: admin.id });
    expect(errors.items[0]!.errorCode).not.toBeNull();

    // Pages of one row walk the same rows in the same order, none twice.
    const paged = await allPages<CallItem>("/calls?spoke=live1", 1);
    expect(paged.map((item) => item.id)).toEqual(mine.map((item) => item.id));
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await json<Page<CallItem>>(`/calls?since=${future}`)).items).toEqual([]);
    expect((await json<Page<CallItem>>(`/calls?until=${past}`)).items).toEqual([]);
    expect(
      (await json<Page<CallItem>>(`/calls?spoke=live1&since=${past}&until=${future}`)).items,
    ).toHaveLength(mine.length);
    for (const [query, field] of [
      ["outcome=maybe", "query.outcome"],
      ["since=yesterday", "query.since"],
      ["limit=0", "query.limit"],
      ["limit=501", "query.limit"],
      ["cursor=bm9wZQ", "query.cursor"],
    ]) {
      const response = await api(`/calls?${query}`, admin.key);
      expect([query, response.status]).toEqual([query, 400]);
      expect(((await response.json()) as { message: string }).message).toContain(field!);
    }
  });

  test("GET /calls pages rows that share a start time one by one, none skipped or repeated", async () => {
    const startedAt = new Date("2026-01-02T03:04:05.678Z");
    const rows = Array.from({ length: 7 }, (_, i) => ({
      requestId: `same-ms-${i}`,
      operation: "tie.op",
      spokeName: "tie",
      outcome: "ok" as const,
      startedAt,
    }));
    await testHub.hub.store.db.insert(calls).values(rows);
    const paged = await allPages<CallItem>("/calls?spoke=tie", 2);
    expect(paged.map((item) => item.requestId).sort()).toEqual(rows.map((row) => row.requestId).sort());
    expect(new Set(paged.map((item) => item.id)).size).toBe(rows.length);
    expect(paged.every((item) => item.startedAt === startedAt.toISOString())).toBe(true);
  });

  test("GET /audit-logs: key create and revoke with their actor, filtered and paged", async () => {
    const created = await json<{ id: string }>("/keys", admin.key, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "audited", scopes: ["read"] }),
    });
    await json(`/keys/${created.id}`, admin.key, { method: "DELETE" });
    const rows = await json<Page<AuditItem>>(`/audit-logs?target=${created.id}`);
    expect(rows.items.map((row) => row.action)).toEqual(["key.revoke", "key.create"]);
    expect(rows.items.every((row) => row.actorKeyId === admin.id)).toBe(true);
    const creates = await json<Page<AuditItem>>(`/audit-logs?action=key.create&target=${created.id}`);
    expect(creates.items.map((row) => row.action)).toEqual(["key.create"]);
    const family = await json<Page<AuditItem>>(`/audit-logs?action=key.&actor=${admin.id}`);
    expect(family.items.length).toBeGreaterThanOrEqual(2);
    expect(family.items.every((row) => row.action.startsWith("key.") && row.actorKeyId === admin.id)).toBe(
      true,
    );
    expect((await json<Page<AuditItem>>(`/audit-logs?actor=nobody1234ab`)).items).toEqual([]);
    expect((await json<Page<AuditItem>>(`/audit-logs?target=${created.id}&outcome=nope`)).items).toEqual([]);
    const paged = await allPages<AuditItem>(`/audit-logs?actor=${admin.id}`, 1);
    const whole = await json<Page<AuditItem>>(`/audit-logs?actor=${admin.id}&limit=500`);
    expect(paged.map((row) => row.id)).toEqual(whole.items.map((row) => row.id));
    const at = paged.map((row) => Date.parse(row.at));
    expect(at).toEqual([...at].sort((a, b) => b - a));
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await json<Page<AuditItem>>(`/audit-logs?since=${future}`)).items).toEqual([]);
  });

  test("disconnect, disable and enable a spoke: it reconnects; disabled it is closed and refused; enabled it returns", async () => {
    const toggled = await spoke("toggle1");
    const disconnected = await json<{ disconnected: boolean; instanceId: string }>(
      "/spokes/toggle1/disconnect",
      admin.key,
      { method: "POST" },
    );
    expect(disconnected).toEqual({
      name: "toggle1",
      disconnected: true,
      instanceId: testHub.hub.instanceId,
    } as never);
    await eventually(() =>
      toggled.events.some((event) => event.type === "registered" && event.reconnected === true),
    );
    expect(toggled.events).toContainEqual(expect.objectContaining({ type: "disconnected", code: 1000 }));

    const disabled = await json<{ disabled: boolean; name: string }>("/spokes/toggle1/disable", admin.key, {
      method: "POST",
    });
    expect(disabled).toMatchObject({ name: "toggle1", disabled: true });
    // 4403 is final: the spoke ends instead of reconnecting.
    await eventually(() => toggled.events.some((event) => event.type === "closed"));
    expect(toggled.events).toContainEqual(expect.objectContaining({ type: "disconnected", code: 4403 }));
    await eventually(() => testHub.hub.subsystems.catalog.spoke("toggle1")?.live === false);
    const refused = await connectSpoke({
      url: wsUrl(testHub.url),
      token: spokeKey.key,
      name: "toggle1",
      operations: spokeOperations(newHold()),
      reconnect: { maxAttempts: 1 },
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HubError);
    expect((refused as HubError).code).toBe("ACCESS_DENIED");
    expect((refused as HubError).details).toMatchObject({ reason: "SPOKE_DISABLED" });
    expect((refused as HubError).message).toContain("disabled");
    expect((await json<{ disabled: boolean }>("/spokes/toggle1")).disabled).toBe(true);

    const enabled = await json<{ disabled: boolean }>("/spokes/toggle1/enable", admin.key, {
      method: "POST",
    });
    expect(enabled.disabled).toBe(false);
    const back = await spoke("toggle1");
    expect(back.spoke.registration?.name).toBe("toggle1");
    expect(testHub.hub.subsystems.catalog.spoke("toggle1")?.live).toBe(true);

    const audit = await json<Page<AuditItem>>("/audit-logs?action=spoke.&target=toggle1");
    expect(audit.items.map((row) => row.action)).toEqual([
      "spoke.enable",
      "spoke.disable",
      "spoke.disconnect",
    ]);
    expect(audit.items.every((row) => row.actorKeyId === admin.id)).toBe(true);
    for (const action of ["disconnect", "disable", "enable"]) {
      const response = await post(`/spokes/nope/${action}`);
      expect([action, response.status]).toEqual([action, 404]);
    }
  });

  test("GET /instances lists this instance with its version, uptime and counts", async () => {
    const { items } = await json<{ items: Array<Record<string, unknown>> }>("/instances");
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: testHub.hub.instanceId,
      version: BUILD_INFO.version,
      self: true,
      mcpSessions: 0,
    });
    expect(items[0]!.spokes).toBe(testHub.hub.subsystems.catalog.liveSpokeCount);
    expect(items[0]!.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(Date.parse(items[0]!.startedAt as string)).toBeLessThanOrEqual(Date.now());
  });

  test("GET /stats: 90 buckets of 10 s, the calls and errors made counted", async () => {
    const before = await json<{ buckets: Array<{ calls: number; errors: number }> }>("/stats");
    const sum = (stats: typeof before, field: "calls" | "errors") =>
      stats.buckets.reduce((total, bucket) => total + bucket[field], 0);
    expect((await call("live1.math.add", reader.key, { a: 1, b: 2 })).status).toBe(200);
    expect((await call("live1.fail.plain", reader.key, {})).status).toBeGreaterThanOrEqual(400);
    const after = await json<{
      bucketSeconds: number;
      instances: number;
      buckets: Array<{ at: string; calls: number; errors: number }>;
    }>("/stats");
    expect(after.bucketSeconds).toBe(10);
    expect(after.instances).toBe(1);
    expect(after.buckets).toHaveLength(90);
    const starts = after.buckets.map((bucket) => Date.parse(bucket.at));
    expect(starts.every((at, i) => i === 0 || at - starts[i - 1]! === 10_000)).toBe(true);
    expect(starts.at(-1)!).toBeLessThanOrEqual(Date.now());
    expect(sum(after, "calls") - sum(before, "calls")).toBeGreaterThanOrEqual(2);
    expect(sum(after, "errors") - sum(before, "errors")).toBeGreaterThanOrEqual(1);
  });

  test("GET /events streams spoke.online and call events live; streams per key are bounded", async () => {
    const abort = new AbortController();
    const response = await api("/events", admin.key, { signal: abort.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const stream = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await stream.read();
        if (done) throw new Error(`the stream ended before ${needle}: ${text}`);
        text += decoder.decode(value);
      }
    };
    await readUntil(": connected");
    await spoke("sse1");
    await readUntil('"spoke":"sse1"');
    const online = text
      .split("\n\n")
      .find((event) => event.startsWith("event: catalog") && event.includes('"spoke":"sse1"'));
    expect(JSON.parse(online!.split("data: ")[1]!)).toMatchObject({
      kind: "spoke.online",
      spoke: "sse1",
      instanceId: testHub.hub.instanceId,
    });
    expect((await call("sse1.math.add", admin.key, { a: 2, b: 3 })).status).toBe(200);
    await readUntil('"operation":"sse1.math.add"');
    const callEvent = text
      .split("\n\n")
      .find((event) => event.startsWith("event: call") && event.includes("sse1.math.add"));
    expect(JSON.parse(callEvent!.split("data: ")[1]!)).toMatchObject({
      operation: "sse1.math.add",
      spoke: "sse1",
      outcome: "ok",
      callerKeyId: admin.id,
      instanceId: testHub.hub.instanceId,
    });

    // Three more streams fill the key's four; a fifth is refused.
    const more = [new AbortController(), new AbortController(), new AbortController()];
    for (const each of more) {
      const extra = await api("/events?types=catalog", admin.key, { signal: each.signal });
      expect(extra.status).toBe(200);
    }
    const fifth = await api("/events", admin.key);
    expect(fifth.status).toBe(429);
    expect(((await fifth.json()) as { code: string }).code).toBe("RATE_LIMITED");
    const badTypes = await api("/events?types=catalog,gossip", admin.key);
    expect(badTypes.status).toBe(400);
    expect(((await badTypes.json()) as { message: string }).message).toContain("query.types");
    for (const each of [abort, ...more]) each.abort();
    await eventually(() => testHub.hub.subsystems.events.streamCount === 0, { what: "streams closed" });
  });
});
