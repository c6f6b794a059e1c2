/**
 * One `calls` row per finished call (ARCHITECTURE.md › Stores): after a burst of 5,000 calls through the relay,
 * written in batches off the hot path, the audit table holds exactly one row per call, with its outcome.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { count, eq } from "drizzle-orm";
import { createApiKey } from "../../src/auth/index.ts";
import { connectSpoke, type Spoke } from "../../src/sdk/index.ts";
import { calls } from "../../src/store/index.ts";
import { eventually } from "../support/eventually.ts";
import { describeWithServices } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

const BURST = 5000;
const IN_FLIGHT = 128;

describeWithServices("call audit after a burst", () => {
  let testHub: TestHub;
  let spoke: Spoke;
  let caller: Spoke;

  beforeAll(async () => {
    // One key sends the whole burst: lift its per-key rate (1,000 calls/s by default) out of the way.
    const perKey = { callsPerSecond: 1_000_000, callBurst: 1_000_000 };
    testHub = await startTestHub({ extra: { audit: { flushIntervalMs: 200 }, limits: { perKey } } });
    const { key } = await createApiKey(testHub.hub.store, {
      account: "burst",
      name: "burst",
      scopes: ["spoke", "call"],
      spokeNames: ["*"],
    });
    const url = `${testHub.url.replace("http", "ws")}/ws`;
    spoke = await connectSpoke({
      url,
      token: key,
      name: "burst",
      operations: {
        echo: {
          type: "query",
          description: "Echoes n; fails for multiples of 1,000.",
          input: Type.Object({ n: Type.Integer() }),
          handler: ({ n }) => {
            if (n % 1000 === 0)
              throw Object.assign(new Error("every thousandth fails"), { code: "THOUSANDTH" });
            return { n };
          },
        },
      },
    });
    caller = await connectSpoke({ url, token: key, name: "burst-caller", operations: {} });
  }, 60_000);

  afterAll(async () => {
    await caller?.close();
    await spoke?.close();
    await testHub?.stop();
  });

  test(`${BURST} calls leave ${BURST} rows, with the right outcomes`, async () => {
    let next = 1;
    let failed = 0;
    const worker = async () => {
      while (next <= BURST) {
        const n = next++;
        try {
          expect(await caller.call("burst.echo", { n })).toEqual({ n });
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    expect(failed).toBe(BURST / 1000);
    const db = testHub.hub.store.db;
    const rows = async (where?: ReturnType<typeof eq>) =>
      (await db.select({ n: count() }).from(calls).where(where))[0]!.n;
    await eventually(async () => expect(await rows()).toBe(BURST), { timeoutMs: 20_000 });
    expect(await rows(eq(calls.outcome, "error"))).toBe(BURST / 1000);
    expect(await rows(eq(calls.errorCode, "THOUSANDTH"))).toBe(BURST / 1000);
    expect(testHub.hub.subsystems.audit.dropped).toBe(0);
  }, 60_000);
});
