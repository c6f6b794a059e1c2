// alkhub-test: once
/**
 * The hostile harness itself: a compiled hub with real keys, the bystander answered while quiet, and an
 * observed phase with ordinary traffic passes its own checks.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { WsTestClient } from "../support/ws-client.ts";
import { type HostileHub, startHostileHub } from "./support/index.ts";

let hub: HostileHub;

beforeAll(async () => {
  hub = await startHostileHub();
}, 60_000);

afterAll(async () => {
  await hub?.stop();
});

test("the bystander answers while quiet and ordinary traffic leaves it unharmed", async () => {
  expect(hub.quiet.calls.count).toBeGreaterThan(10);
  expect(hub.quiet.health.count).toBeGreaterThan(10);
  const { report } = await hub.underAttack("ordinary calls", async () => {
    const client = await WsTestClient.connect(hub.wsUrl, { token: hub.keys.attacker!.key });
    try {
      for (let i = 0; i < 50; i++) await client.output("bystander.echo", { n: i }).catch(() => undefined);
    } finally {
      client.close();
    }
  });
  expect(report.health.count).toBeGreaterThan(0);
}, 60_000);
