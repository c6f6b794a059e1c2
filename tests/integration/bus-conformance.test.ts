// alkhub-test: once
/**
 * The one conformance suite of the `Bus` seam (STYLE.md 18): every case runs against the memory bus and against
 * two Redis buses on the shared Redis, standing for two hub instances. A message that must NOT arrive is checked
 * with a fence: a later message from the same publisher that does arrive, since delivery keeps publish order.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Bus, connectRedisBus, createMemoryBus } from "../../src/bus/index.ts";
import { UnavailableError } from "../../src/errors.ts";
import { createLogger, type Logger } from "../../src/log/index.ts";
import { eventually } from "../support/eventually.ts";
import { describeWithServices, REDIS_URL } from "../support/services.ts";

interface Implementation {
  name: string;
  describe: typeof describe;
  /** Buses standing for the instances of one deployment: the first is the publisher in every case. */
  create(log: Logger): Promise<Bus[]>;
}

const implementations: Implementation[] = [
  { name: "memory", describe, create: async (log) => [createMemoryBus({ log })] },
  {
    name: "redis",
    describe: describeWithServices,
    create: (log) =>
      Promise.all(
        [1, 2].map(() => connectRedisBus({ redis: { url: REDIS_URL }, log, connectTimeoutMs: 3000 })),
      ),
  },
];

const channel = (what: string) => `test:bus:${what}:${crypto.randomUUID()}`;

/** Collects what one handler received. */
function recorder() {
  const got: string[] = [];
  return { got, handler: (message: string) => void got.push(message) };
}

for (const impl of implementations) {
  impl.describe(`bus conformance: ${impl.name}`, () => {
    const lines: string[] = [];
    const log = createLogger({ sink: (line) => lines.push(line) });
    let buses: Bus[] = [];
    let publisher: Bus;

    beforeAll(async () => {
      buses = await impl.create(log);
      publisher = buses[0]!;
    });
    afterAll(async () => {
      await Promise.all(buses.map((bus) => bus.close()));
    });

    test("is healthy and of its kind once created", () => {
      for (const bus of buses) {
        expect(bus.kind).toBe(impl.name as Bus["kind"]);
        expect(bus.healthy).toBe(true);
      }
      expect(new Set(buses.map((bus) => bus.instanceId)).size).toBe(buses.length);
    });

    test("publish reaches every subscriber on every instance", async () => {
      const ch = channel("fanout");
      const records = buses.flatMap(() => [recorder(), recorder()]);
      await Promise.all(records.map((r, i) => buses[Math.floor(i / 2)]!.subscribe(ch, r.handler)));
      await publisher.publish(ch, "hello");
      await eventually(() => {
        for (const r of records) expect(r.got).toEqual(["hello"]);
      });
    });

    test("publish does not run handlers inside the caller", async () => {
      const ch = channel("async");
      const r = recorder();
      await publisher.subscribe(ch, r.handler);
      const published = publisher.publish(ch, "later");
      expect(r.got).toEqual([]);
      await published;
      await eventually(() => expect(r.got).toEqual(["later"]));
    });

    test("unsubscribe stops delivery, and calling it twice is harmless", async () => {
      const ch = channel("unsub");
      const fenceChannel = channel("fence");
      for (const bus of buses) {
        const gone = recorder();
        const stays = recorder();
        const fence = recorder();
        const unsubscribe = await bus.subscribe(ch, gone.handler);
        await bus.subscribe(ch, stays.handler);
        await bus.subscribe(fenceChannel, fence.handler);
        await unsubscribe();
        await unsubscribe();
        await publisher.publish(ch, "after");
        await publisher.publish(fenceChannel, "fence");
        await eventually(() => expect(fence.got).toEqual(["fence"]));
        expect(stays.got).toEqual(["after"]);
        expect(gone.got).toEqual([]);
        fence.got.length = 0;
      }
    });

    test("unsubscribing the last handler of a channel stops delivery on that instance", async () => {
      const ch = channel("last");
      const fenceChannel = channel("fence");
      const last = buses[buses.length - 1]!;
      const gone = recorder();
      const fence = recorder();
      const unsubscribe = await last.subscribe(ch, gone.handler);
      await last.subscribe(fenceChannel, fence.handler);
      await publisher.publish(ch, "before");
      await eventually(() => expect(gone.got).toEqual(["before"]));
      await unsubscribe();
      await publisher.publish(ch, "after");
      await publisher.publish(fenceChannel, "fence");
      await eventually(() => expect(fence.got).toEqual(["fence"]));
      expect(gone.got).toEqual(["before"]);
    });

    test("a handler that throws is logged with its channel and does not stop the others", async () => {
      const ch = channel("throws");
      const before = recorder();
      const after = recorder();
      await publisher.subscribe(ch, before.handler);
      await publisher.subscribe(ch, () => {
        throw new Error("handler exploded");
      });
      await publisher.subscribe(ch, after.handler);
      await publisher.publish(ch, "one");
      await publisher.publish(ch, "two");
      await eventually(() => {
        expect(before.got).toEqual(["one", "two"]);
        expect(after.got).toEqual(["one", "two"]);
      });
      const logged = lines.map((line) => JSON.parse(line)).filter((l) => l.channel === ch);
      expect(logged).toHaveLength(2);
      expect(logged[0]).toMatchObject({ level: "error", msg: "bus handler threw" });
      expect(JSON.stringify(logged[0])).toContain("handler exploded");
    });

    test("instance-addressed messages reach only that instance", async () => {
      const records = new Map<string, ReturnType<typeof recorder>>();
      const unsubscribes = await Promise.all(
        buses.map((bus) => {
          const r = recorder();
          records.set(bus.instanceId, r);
          return bus.onInstanceMessage(r.handler);
        }),
      );
      await publisher.sendToInstance(crypto.randomUUID(), "to nobody");
      for (const target of buses) {
        await publisher.sendToInstance(target.instanceId, `to ${target.instanceId}`);
      }
      for (const bus of buses) {
        // Each instance got only its own message, and the earlier message to nobody never showed up.
        await eventually(() => expect(records.get(bus.instanceId)!.got).toEqual([`to ${bus.instanceId}`]));
      }
      await Promise.all(unsubscribes.map((unsubscribe) => unsubscribe()));
    });

    test("messages of one publisher keep their order on a channel", async () => {
      const ch = channel("order");
      const records = buses.map(() => recorder());
      await Promise.all(records.map((r, i) => buses[i]!.subscribe(ch, r.handler)));
      const sent = Array.from({ length: 500 }, (_, i) => `m${i}`);
      // Not awaited one by one: the publishes are in flight together, as under load.
      await Promise.all(sent.map((message) => publisher.publish(ch, message)));
      await eventually(() => {
        for (const r of records) expect(r.got).toEqual(sent);
      });
    });

    test("a 1 MiB message passes intact", async () => {
      const ch = channel("large");
      const records = buses.map(() => recorder());
      await Promise.all(records.map((r, i) => buses[i]!.subscribe(ch, r.handler)));
      const big = `${crypto.randomUUID()}${"x".repeat(1024 * 1024)}`;
      await publisher.publish(ch, big);
      await eventually(() => {
        for (const r of records) {
          expect(r.got).toHaveLength(1);
          expect(r.got[0] === big).toBe(true);
        }
      });
    });

    test("after close(), publish and subscribe reject and healthy is false", async () => {
      const own = await impl.create(log);
      const bus = own[0]!;
      const changes: boolean[] = [];
      bus.onHealthChange((healthy) => changes.push(healthy));
      await Promise.all(own.map((b) => b.close()));
      await bus.close();
      expect(bus.healthy).toBe(false);
      expect(changes).toEqual([false]);
      await expect(bus.publish(channel("closed"), "x")).rejects.toBeInstanceOf(UnavailableError);
      await expect(bus.subscribe(channel("closed"), () => {})).rejects.toBeInstanceOf(UnavailableError);
      await expect(bus.sendToInstance(bus.instanceId, "x")).rejects.toBeInstanceOf(UnavailableError);
      await expect(bus.onInstanceMessage(() => {})).rejects.toBeInstanceOf(UnavailableError);
    });

    test("close() stops delivery to the handlers it dropped", async () => {
      const own = await impl.create(log);
      const ch = channel("drop");
      const r = recorder();
      await own[0]!.subscribe(ch, r.handler);
      // Not awaited: close() runs while the message is still on its way to the handler.
      const published = own[0]!.publish(ch, "in flight");
      await own[0]!.close();
      await published.catch(() => {});
      expect(r.got).toEqual([]);
      await Promise.all(own.map((b) => b.close()));
    });
  });
}
