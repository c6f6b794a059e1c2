/** Shared setup of the SDK suites: a spoke with a few operations, connected to a fake hub, fast reconnects. */
import { Type } from "@sinclair/typebox";
import { connectSpoke, type Spoke, type SpokeOptions, type SpokeStatus } from "../../src/sdk/index.ts";
import type { FakeHub } from "./fake-hub.ts";
import { type Gate, gate } from "./spoke-kit.ts";
import { commonOperations } from "./test-operations.ts";

export { type Gate, gate };

/** Control of the `slow.wait` handler: which calls started, which were aborted, and when they may finish. */
export interface Hold {
  current: Gate;
  started: string[];
  aborted: string[];
}

/** Operations used across the suites; `hold` controls the `slow.wait` handler. */
export function testOperations(hold: Hold) {
  return {
    ...commonOperations,
    "slow.wait": {
      type: "mutation" as const,
      description: "Waits until the test releases it",
      input: Type.Object({}),
      handler: async (_input: unknown, ctx: { signal: AbortSignal; requestId: string }) => {
        hold.started.push(ctx.requestId);
        ctx.signal.addEventListener("abort", () => hold.aborted.push(ctx.requestId));
        await hold.current.wait;
        return { done: true };
      },
    },
  };
}

/** Connects a spoke named `dev1` to `hub`, recording every status event. */
export async function connectTest(
  hub: FakeHub,
  overrides: Partial<SpokeOptions> = {},
): Promise<{ spoke: Spoke; events: SpokeStatus[]; hold: Hold }> {
  const hold: Hold = { current: gate(), started: [], aborted: [] };
  const events: SpokeStatus[] = [];
  const spoke = await connectSpoke({
    url: hub.url,
    token: "test-key",
    name: "dev1",
    operations: testOperations(hold),
    reconnect: { initialDelayMs: 10, maxDelayMs: 40 },
    ...overrides,
  } as SpokeOptions);
  spoke.onStatus((status) => events.push(status));
  return { spoke, events, hold };
}
