// alkhub-test: once
/**
 * What only the Redis bus has, on the shared Redis: one Redis subscription per channel whatever the number of
 * local handlers, the ways to say where Redis is, and config mistakes caught before any connection.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createClient } from "@redis/client";
import { type Bus, connectRedisBus } from "../../src/bus/index.ts";
import { ConfigError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log/index.ts";
import { eventually } from "../support/eventually.ts";
import { describeWithServices, REDIS_URL } from "../support/services.ts";

describeWithServices("redis bus", () => {
  let bus: Bus;
  let admin: ReturnType<typeof createClient>;

  beforeAll(async () => {
    bus = await connectRedisBus({ redis: { url: REDIS_URL }, log: silentLogger });
    admin = createClient({ url: REDIS_URL });
    admin.on("error", () => {});
    await admin.connect();
  });
  afterAll(async () => {
    await bus.close();
    admin.destroy();
  });

  const numSub = async (channel: string) => (await admin.pubSubNumSub(channel))[channel];

  test("holds one Redis subscription per channel, dropped with the last local handler", async () => {
    const channel = `test:bus:numsub:${crypto.randomUUID()}`;
    const unsubscribes = await Promise.all([1, 2, 3].map(() => bus.subscribe(channel, () => {})));
    expect(await numSub(channel)).toBe(1);
    await unsubscribes[0]!();
    await unsubscribes[1]!();
    expect(await numSub(channel)).toBe(1);
    await unsubscribes[2]!();
    expect(await numSub(channel)).toBe(0);
  });

  test("subscribe and unsubscribe racing on one channel settle on what was asked last", async () => {
    const channel = `test:bus:race:${crypto.randomUUID()}`;
    const got: string[] = [];
    const unsubscribeFirst = await bus.subscribe(channel, () => {});
    // The last handler leaves and a new one arrives before Redis has answered either change.
    const removing = unsubscribeFirst();
    const adding = bus.subscribe(channel, (message) => void got.push(message));
    const again = bus.subscribe(channel, () => {}).then((unsubscribe) => unsubscribe());
    await Promise.all([removing, again]);
    const unsubscribeSecond = await adding;
    expect(await numSub(channel)).toBe(1);
    await bus.publish(channel, "still here");
    await eventually(() => expect(got).toEqual(["still here"]));
    // And the other way round: the only handler leaves while its SUBSCRIBE is still in flight.
    const late = `test:bus:race:${crypto.randomUUID()}`;
    const leaving = bus.subscribe(late, () => {}).then((unsubscribe) => unsubscribe());
    await unsubscribeSecond();
    await leaving;
    expect(await numSub(channel)).toBe(0);
    expect(await numSub(late)).toBe(0);
  });

  test("connects from host, port and db as well as from a URL, and pub/sub crosses databases", async () => {
    const { hostname, port } = new URL(REDIS_URL);
    const other = await connectRedisBus({
      redis: { host: hostname, port: Number(port || 6379), db: 3 },
      log: silentLogger,
      instanceId: "parts instance",
    });
    try {
      expect(other.instanceId).toBe("parts instance");
      const got: string[] = [];
      await other.onInstanceMessage((message) => void got.push(message));
      await bus.sendToInstance("parts instance", "across");
      await eventually(() => expect(got).toEqual(["across"]));
      const names = (await admin.clientList()).map((client) => client.name);
      expect(names).toContain("alkhub-bus-parts_instance-sub");
    } finally {
      await other.close();
    }
  });
});

test("bad Redis options are a ConfigError naming the problem, never the URL", async () => {
  const secret = `pw-${crypto.randomUUID()}`;
  const cases: Array<[Parameters<typeof connectRedisBus>[0]["redis"], RegExp]> = [
    [{ url: `not a url ${secret}` }, /not a valid URL/],
    [{ url: `http://:${secret}@127.0.0.1:6379` }, /must start with redis:\/\/ or rediss:\/\//],
    [{ host: "" }, /host is empty/],
    [{ host: "127.0.0.1", port: 70000 }, /port must be an integer from 1 to 65535, got 70000/],
    [{ host: "127.0.0.1", db: -1 }, /db must be a non-negative integer, got -1/],
  ];
  for (const [redis, message] of cases) {
    const error = await connectRedisBus({ redis, log: silentLogger }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(secret);
  }
});
