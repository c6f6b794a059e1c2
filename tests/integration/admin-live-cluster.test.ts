// alkhub-test: once
/**
 * The live-operations routes across two in-process instances sharing one Postgres database and a Redis of
 * their own (so no other suite's instance joins the roster): each lists both instances; a spoke held by A is
 * disconnected and disabled through B (closed on A, refused on B while disabled), enabled again through B; a
 * call relayed by A shows in B's cluster-wide stats. Needs the real services, so it runs in the services pass
 * only.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connectSpoke, HubError } from "../../src/sdk/index.ts";
import { eventually } from "../support/eventually.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { startRedisServer, type TestRedisServer } from "../support/redis-server.ts";
import { describeWithServices } from "../support/services.ts";
import {
  connectTestSpoke,
  makeKey,
  newHold,
  spokeOperations,
  type TestKey,
  type TestSpoke,
} from "../support/spoke-kit.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";
import { wsUrl } from "../support/ws-client.ts";

describeWithServices("admin API live operations across two instances", () => {
  let redis: TestRedisServer;
  let files: HubFiles;
  let a: TestHub;
  let b: TestHub;
  let admin: TestKey;
  let spokeKey: TestKey;
  const spokes: TestSpoke[] = [];

  const api = async <T>(hub: TestHub, path: string, method = "GET"): Promise<T> => {
    const response = await fetch(`${hub.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${admin.key}` },
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    files = await writeHubFiles({
      mode: "services",
      redisUrl: redis.url,
      extra: { limits: { heartbeatMs: 500 }, router: { remoteAckMs: 1000 } },
    });
    a = await startTestHub({ files });
    b = await startTestHub({ files });
    admin = await makeKey(a.hub, { scopes: ["admin"], account: "root" });
    spokeKey = await makeKey(a.hub, { scopes: ["spoke"], spokeNames: ["*"] });
  }, 60_000);

  afterAll(async () => {
    for (const each of spokes) await each.spoke.close();
    await a?.stop();
    await b?.stop();
    await files?.cleanup();
    await redis?.stop();
  }, 60_000);

  test("each instance lists both, itself first and marked self", async () => {
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const { items } = await eventually(
        async () => {
          const list = await api<{ items: Array<{ id: string; self: boolean; version: string }> }>(
            self,
            "/instances",
          );
          return list.items.length === 2 && list;
        },
        { what: "both instances in the roster" },
      );
      expect(items.map((item) => [item.id, item.self])).toEqual([
        [self.hub.instanceId, true],
        [other.hub.instanceId, false],
      ]);
    }
  });

  test("a spoke on A is disconnected and disabled through B, refused on B while disabled, enabled through B", async () => {
    // B's event stream hears A's spoke come online (catalog events are cluster-wide).
    const abort = new AbortController();
    const events = await fetch(`${b.url}/api/v1/events?types=catalog`, {
      headers: { authorization: `Bearer ${admin.key}` },
      signal: abort.signal,
    });
    expect(events.status).toBe(200);
    const stream = events.body!.getReader();
    const held = await connectTestSpoke(wsUrl(a.url), spokeKey.key, "far1");
    spokes.push(held);
    let text = "";
    while (!text.includes('"spoke":"far1"')) {
      const { value, done } = await stream.read();
      if (done) throw new Error(`B's event stream ended: ${text}`);
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain(`{"kind":"spoke.online","spoke":"far1","instanceId":"${a.hub.instanceId}"`);
    abort.abort();
    await eventually(() => b.hub.subsystems.catalog.spoke("far1")?.live === true, { what: "far1 live on B" });
    const view = await api<{ instanceId: string; status: string; inFlight: number | null }>(
      b,
      "/spokes/far1",
    );
    expect(view).toMatchObject({ instanceId: a.hub.instanceId, status: "online", inFlight: null });

    const disconnected = await api<{ disconnected: boolean; instanceId: string }>(
      b,
      "/spokes/far1/disconnect",
      "POST",
    );
    expect(disconnected).toMatchObject({ disconnected: true, instanceId: a.hub.instanceId });
    await eventually(() => held.events.some((event) => event.type === "registered" && event.reconnected));

    expect((await api<{ disabled: boolean }>(b, "/spokes/far1/disable", "POST")).disabled).toBe(true);
    await eventually(() => held.events.some((event) => event.type === "closed"), {
      what: "far1 closed on A",
    });
    expect(held.events).toContainEqual(expect.objectContaining({ type: "disconnected", code: 4403 }));
    for (const hub of [b, a]) {
      const refused = await connectSpoke({
        url: wsUrl(hub.url),
        token: spokeKey.key,
        name: "far1",
        operations: spokeOperations(newHold()),
      }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(HubError);
      expect((refused as HubError).details).toMatchObject({ reason: "SPOKE_DISABLED" });
    }
    expect((await api<{ disabled: boolean }>(a, "/spokes/far1")).disabled).toBe(true);

    expect((await api<{ disabled: boolean }>(b, "/spokes/far1/enable", "POST")).disabled).toBe(false);
    await eventually(() => a.hub.subsystems.catalog.spoke("far1")?.disabledAt === undefined);
    const back = await connectTestSpoke(wsUrl(a.url), spokeKey.key, "far1");
    spokes.push(back);
    expect(back.spoke.registration?.name).toBe("far1");
  });

  test("stats are cluster-wide: a call relayed by A is counted in B's answer", async () => {
    const total = async (hub: TestHub) => {
      const stats = await api<{ instances: number; buckets: Array<{ calls: number }> }>(hub, "/stats");
      return {
        instances: stats.instances,
        calls: stats.buckets.reduce((sum, bucket) => sum + bucket.calls, 0),
      };
    };
    const before = await total(b);
    const response = await fetch(`${a.url}/api/v1/operations/far1.math.add/call`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin.key}`, "content-type": "application/json" },
      body: JSON.stringify({ a: 1, b: 2 }),
    });
    expect(response.status).toBe(200);
    // B hears A's counts with A's next roster message (every 5 s).
    await eventually(
      async () => {
        const now = await total(b);
        return now.instances === 2 && now.calls > before.calls;
      },
      { timeoutMs: 20_000, what: "A's call in B's stats" },
    );
  }, 30_000);
});
