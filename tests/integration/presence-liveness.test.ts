// alkhub-test: once
/**
 * Instance liveness in presence (docs/reliability.md): a name held by an instance that is gone — killed, or
 * this instance's previous life — is claimable at once, not after the name's time to live; a live holder still
 * refuses; a frozen Redis fails a claim within the command bound instead of hanging it. Against a Redis of the
 * test's own (it is frozen here) and the memory presence.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient } from "@redis/client";
import { type Bus, connectRedisBus, instanceChannel } from "../../src/bus/index.ts";
import { silentLogger } from "../../src/log/index.ts";
import {
  connectRedisPresence,
  createMemoryPresence,
  INSTANCE_KEY_PREFIX,
  type Presence,
  presenceKey,
} from "../../src/presence/index.ts";
import { eventually } from "../support/eventually.ts";
import { startRedisServer, type TestRedisServer } from "../support/redis-server.ts";

const NAME_TTL_MS = 60_000;
const entry = (instanceId: string, connectionId: string, keyId = "key-a") => ({
  instanceId,
  connectionId,
  keyId,
  since: Date.now(),
});

describe("memory presence", () => {
  test("a name left under another instance id (a previous life) is orphaned and taken at once", async () => {
    const presence = createMemoryPresence({ instanceId: "now" });
    await presence.claim("dev", entry("before-restart", "c1"), NAME_TTL_MS, false);
    const result = await presence.claim("dev", entry("now", "c2", "key-b"), NAME_TTL_MS, false);
    expect(result).toMatchObject({ ok: true, orphaned: true, previous: { connectionId: "c1" } });
    expect((await presence.lookup(["dev"]))[0]?.connectionId).toBe("c2");
  });

  test("a live holder of this instance still refuses another key", async () => {
    const presence = createMemoryPresence({ instanceId: "now" });
    await presence.claim("dev", entry("now", "c1"), NAME_TTL_MS, false);
    const result = await presence.claim("dev", entry("now", "c2", "key-b"), NAME_TTL_MS, true);
    expect(result).toMatchObject({ ok: false, holder: { connectionId: "c1" } });
  });
});

describe("redis presence", () => {
  let redis: TestRedisServer;
  const opened: Presence[] = [];
  const buses: Bus[] = [];
  /** An instance as a hub runs it: its bus listening on its channel, and its presence. */
  const open = async (
    instanceId: string,
    extra: { instanceTtlMs?: number; commandTimeoutMs?: number } = {},
  ) => {
    const bus = await connectRedisBus({ redis: { url: redis.url }, instanceId, log: silentLogger });
    await bus.onInstanceMessage(() => {});
    buses.push(bus);
    const presence = await connectRedisPresence({
      redis: { url: redis.url },
      log: silentLogger,
      connectTimeoutMs: 3000,
      instanceId,
      ...extra,
    });
    opened.push(presence);
    return presence;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    redis.thaw();
    await Promise.all(opened.map((presence) => presence.close()));
    await Promise.all(buses.map((bus) => bus.close()));
    await redis.stop();
  });

  test("a live instance's holder refuses; after it stops cleanly its names are free at once", async () => {
    const a = await open("inst-a");
    const b = await open("inst-b");
    await a.claim("svc1", entry("inst-a", "a1"), NAME_TTL_MS, false);
    expect(await b.claim("svc1", entry("inst-b", "b1", "key-b"), NAME_TTL_MS, false)).toMatchObject({
      ok: false,
      holder: { instanceId: "inst-a" },
    });
    await a.close();
    const after = await b.claim("svc1", entry("inst-b", "b1", "key-b"), NAME_TTL_MS, false);
    expect(after).toMatchObject({ ok: true, orphaned: true, previous: { instanceId: "inst-a" } });
  });

  test("a killed instance (its bus connection gone) loses its names at once, before its mark lapses", async () => {
    const a = await open("inst-k", { instanceTtlMs: 60_000 });
    const b = await open("inst-k2");
    await a.claim("svc2", entry("inst-k", "k1"), NAME_TTL_MS, false);
    expect(await b.claim("svc2", entry("inst-k2", "k2", "key-b"), NAME_TTL_MS, false)).toMatchObject({
      ok: false,
    });
    // What SIGKILL does to the instance's connections: gone, while its mark would live another minute.
    const killed = buses.find((bus) => bus.instanceId === "inst-k");
    await killed?.close();
    // Redis learns of a closed connection on its own turn: the promise starts once it has (a claim sent
    // before that, on a busy box, still found the old subscriber).
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await eventually(
        async () => {
          const reply = (await admin.sendCommand([
            "PUBSUB",
            "NUMSUB",
            instanceChannel("inst-k"),
          ])) as unknown[];
          return Number(reply[1]) === 0;
        },
        { what: "Redis to drop the killed instance's subscription", timeoutMs: 10_000 },
      );
    } finally {
      await admin.close();
    }
    const taken = await b.claim("svc2", entry("inst-k2", "k2", "key-b"), NAME_TTL_MS, false);
    expect(taken).toMatchObject({ ok: true, orphaned: true, previous: { instanceId: "inst-k" } });
  });

  test("an instance whose mark lapsed (hung, or cut off) loses its names within the mark's life", async () => {
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      // Its bus channel still has a subscriber (a hung process keeps its sockets), but it stopped beating.
      const hung = await connectRedisBus({
        redis: { url: redis.url },
        instanceId: "inst-hung",
        log: silentLogger,
      });
      await hung.onInstanceMessage(() => {});
      buses.push(hung);
      await admin.set(presenceKey("svc5"), JSON.stringify(entry("inst-hung", "h1")), { PX: NAME_TTL_MS });
      await admin.set(`${INSTANCE_KEY_PREFIX}inst-hung`, "1", { PX: 400 });
      const b = await open("inst-b2");
      const first = await b.claim("svc5", entry("inst-b2", "b2", "key-b"), NAME_TTL_MS, false);
      expect(first).toMatchObject({ ok: false });
      const taken = await eventually(
        async () => {
          const result = await b.claim("svc5", entry("inst-b2", "b2", "key-b"), NAME_TTL_MS, false);
          return result.ok ? result : false;
        },
        { timeoutMs: 10_000, intervalMs: 50, what: "the silent instance's name to be claimable" },
      );
      expect(taken).toMatchObject({ ok: true, orphaned: true, previous: { instanceId: "inst-hung" } });
      expect(await admin.pTTL(presenceKey("svc5"))).toBeGreaterThan(NAME_TTL_MS / 2);
    } finally {
      await admin.close();
    }
  });

  test("a live instance keeps its mark alive past its life by beating", async () => {
    const a = await open("inst-c", { instanceTtlMs: 1000 });
    await a.claim("svc3", entry("inst-c", "c1"), NAME_TTL_MS, false);
    const b = await open("inst-d");
    // Three lives of the mark later, the beats have kept it.
    await Bun.sleep(2500);
    expect(await b.claim("svc3", entry("inst-d", "d1", "key-b"), NAME_TTL_MS, false)).toMatchObject({
      ok: false,
    });
  });

  test("a frozen Redis fails a claim within the command bound, and claims work again once it runs", async () => {
    const b = await open("inst-e", { commandTimeoutMs: 300 });
    redis.freeze();
    try {
      const started = Date.now();
      const error = await b.claim("svc4", entry("inst-e", "e1"), NAME_TTL_MS, false).catch((e: unknown) => e);
      expect((error as Error).name).toBe("UnavailableError");
      expect((error as Error).message).toContain("did not answer within 300 ms");
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      redis.thaw();
    }
    const result = await eventually(() => b.claim("svc4", entry("inst-e", "e1"), NAME_TTL_MS, false), {
      timeoutMs: 10_000,
      what: "a claim after Redis runs again",
    });
    expect(result.ok).toBe(true);
  });
});
