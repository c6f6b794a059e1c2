// alkhub-test: once
/**
 * Reconnect storm (docs/reliability.md): a fleet of SDK spokes (a few processes holding many each) on a compiled
 * hub with Postgres and Redis; the hub is killed with SIGKILL and started again on the same port. Promised: every
 * spoke is registered again within 10 s of the restart, none is left refused by its own ghost (the dead
 * instance's presence claims are taken over at once), none ends up registered twice, and /health — sampled every
 * 100 ms from the moment the new process listens — never takes over 1.5 s here. The promise is 100 ms: that is a
 * timing claim, measured by scripts/bench/reconnect-storm.ts (7–40 ms on a quiet 2-core box); this bound holds on
 * a starved CI box too and still catches the stalls of seconds this scenario once had (docs/reliability.md).
 *
 * ALKHUB_CHAOS_SPOKES sets the fleet's size (default 2,000, as the promise states).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient } from "@redis/client";
import { silentLogger } from "../../src/log/index.ts";
import { type PresenceEntry, presenceKey } from "../../src/presence/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { freePort, type ServingHub, serveBinary, waitForReady } from "../support/binary.ts";
import { eventually } from "../support/eventually.ts";
import { sampleHealth } from "../support/health-sampler.ts";
import { type HubFiles, writeHubFiles } from "../support/hub-files.ts";
import { startRedisServer, type TestRedisServer } from "../support/redis-server.ts";
import { type ChildSpoke, makeKey, spawnSpokeScript } from "../support/spoke-kit.ts";

const FLEET_SIZE = Number(process.env.ALKHUB_CHAOS_SPOKES ?? 2000);
const PROCESSES = 4;
const PER_PROCESS = Math.ceil(FLEET_SIZE / PROCESSES);
const RESTART_DELAY_MS = 500;
const BACK_WITHIN_MS = 10_000;
/** Bound on every /health answer during the storm (the 100 ms promise is the benchmark's, see above). */
const HEALTH_BOUND_MS = 1500;
const FLEET_SCRIPT = new URL("../support/spoke-fleet.ts", import.meta.url).pathname;

describe("reconnect storm after SIGKILL", () => {
  let redis: TestRedisServer;
  let files: HubFiles;
  let store: Store;
  let hub: ServingHub;
  let port: number;
  const fleets: ChildSpoke[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    // ALKHUB_CHAOS_LOG=info shows what the hub did, for a failing run.
    const logging = { level: process.env.ALKHUB_CHAOS_LOG ?? "warn" };
    // The whole fleet shares one key, as a fleet of one team's machines may: its per-key limits are raised to
    // fit (by default a key holds 64 connections and registers 60 times a minute, docs/security.md).
    const limits = { perKey: { maxConnections: 10_000 } };
    const registration = { perKeyPerMinute: 1_000_000 };
    files = await writeHubFiles({
      mode: "services",
      redisUrl: redis.url,
      extra: { logging, limits, registration },
    });
    store = await openStore({
      postgres: { url: files.database!.url, maxConnections: 2 },
      embedded: { dataDir: files.dir },
      log: silentLogger,
    });
    port = await freePort();
    hub = await serveBinary(files.configPath, files.keyPath, [], { port });
    await waitForReady(hub, "the hub");
  }, 60_000);

  afterAll(async () => {
    await Promise.all(fleets.map((fleet) => fleet.kill()));
    if (hub && hub.proc.exitCode === null) await hub.stop("SIGKILL");
    await store?.close();
    await files?.cleanup();
    await redis?.stop();
  }, 60_000);

  test(`${FLEET_SIZE} spokes are all back within ${BACK_WITHIN_MS / 1000} s, once each, and /health stays fast`, async () => {
    const { key } = await makeKey({ store } as never, { scopes: ["spoke"], spokeNames: ["storm-*"] });
    const wsUrl = `ws://127.0.0.1:${port}/ws`;
    for (let p = 0; p < PROCESSES; p++) {
      const env = { ALKHUB_TEST_FLEET_SIZE: String(PER_PROCESS) };
      fleets.push(await spawnSpokeScript(FLEET_SCRIPT, wsUrl, key, `storm-${p}`, env));
    }
    await Promise.all(fleets.map((fleet) => fleet.waitForLine("fleet ", 180_000)));
    const registrations = () => fleets.reduce((sum, fleet) => sum + fleet.count("registered "), 0);
    expect(registrations()).toBe(PER_PROCESS * PROCESSES);

    const names = fleets.flatMap((_, p) => Array.from({ length: PER_PROCESS }, (_, i) => `storm-${p}-${i}`));
    const before = await holders(redis.url, names);
    const firstInstance = before[0]?.instanceId;
    expect(before.every((entry) => entry?.instanceId === firstInstance)).toBe(true);

    await hub.stop("SIGKILL");
    await Bun.sleep(RESTART_DELAY_MS);
    const restartedAt = Date.now();
    hub = await serveBinary(files.configPath, files.keyPath, [], { port });
    const health = sampleHealth(hub.url, 100);
    let backAt = 0;
    try {
      await eventually(() => registrations() >= 2 * names.length, {
        timeoutMs: 60_000,
        intervalMs: 50,
        what: "every spoke registered again",
      }).catch((error: Error) => {
        const refusals = fleets.flatMap((fleet) => fleet.lines.filter((line) => line.startsWith("refused ")));
        throw new Error(
          `${error.message}: ${registrations() - names.length} of ${names.length} back; ${refusals.length} refusals (${refusals.slice(0, 5).join(", ")}); hub log: ${hub.log().slice(-3000)}`,
        );
      });
      backAt = Date.now();
      // One more second of sampling: the hub settles after the storm, and a late duplicate would show.
      await Bun.sleep(1000);
    } finally {
      await health.stop();
    }
    const refused = fleets.flatMap((fleet) => fleet.lines.filter((line) => line.startsWith("refused ")));
    const firstOk = health.samples.find((sample) => sample.status === "ok");
    const slowSamples = health.samples
      .filter((sample) => sample.ms >= HEALTH_BOUND_MS)
      .map((sample) => `${sample.status}@${sample.at - restartedAt}ms:${sample.ms.toFixed(0)}ms`);
    const report = `ready after ${firstOk ? firstOk.at - restartedAt : "never"} ms; slow samples: ${slowSamples.slice(0, 8).join(" ")}; back after ${backAt - restartedAt} ms; slowest /health ${health.slowest()?.ms.toFixed(1)} ms of ${health.samples.length}; refusals: ${refused.length} (${refused.slice(0, 3).join(", ")})`;
    console.log(`reconnect storm: ${report}`);
    if (process.env.ALKHUB_CHAOS_LOG) console.log(hub.log());

    expect(backAt - restartedAt, report).toBeLessThanOrEqual(BACK_WITHIN_MS);
    expect(
      refused.filter((line) => line.endsWith(" NAME_TAKEN")),
      report,
    ).toEqual([]);
    // Exactly two registrations per name: the first, and one after the restart.
    const perName = new Map<string, number>();
    for (const fleet of fleets) {
      for (const line of fleet.lines) {
        if (line.startsWith("registered "))
          perName.set(line.slice(11), (perName.get(line.slice(11)) ?? 0) + 1);
      }
    }
    expect([...perName.values()].filter((count) => count !== 2)).toEqual([]);
    expect(health.samples.length).toBeGreaterThan(10);
    expect(health.slowest()?.ms ?? 0, report).toBeLessThan(HEALTH_BOUND_MS);
    // Every name is held by the new instance, none by the dead one.
    const after = await holders(redis.url, names);
    const secondInstance = after[0]?.instanceId;
    expect(secondInstance).not.toBe(firstInstance);
    expect(after.filter((entry) => entry?.instanceId !== secondInstance)).toEqual([]);
  }, 300_000);
});

async function holders(url: string, names: string[]): Promise<Array<PresenceEntry | undefined>> {
  const client = createClient({ url });
  await client.connect();
  try {
    const values = await client.mGet(names.map(presenceKey));
    return values.map((value) => (value ? (JSON.parse(value) as PresenceEntry) : undefined));
  } finally {
    await client.close();
  }
}
