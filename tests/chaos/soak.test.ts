// alkhub-test: once
/**
 * The soak's CI form (scripts/soak.ts, docs/reliability.md): two minutes of mixed traffic against a compiled hub
 * on Postgres and Redis — calls, streams, aborts, spokes joining and leaving, MCP sessions opened and expiring —
 * with RSS, open fds, calls in flight, MCP sessions and event-loop lag sampled every 10 s. Fails when any of them
 * keeps growing over the second half, or when a call fails other than by the abort the traffic asked for.
 * ALKHUB_CHAOS_SOAK_MS sets the length (default 120 000).
 */
import { expect, test } from "bun:test";
import { findGrowth, runSoak, type SoakSample } from "../../scripts/soak.ts";

const DURATION_MS = Number(process.env.ALKHUB_CHAOS_SOAK_MS ?? 120_000);
const SAMPLE_MS = 10_000;

test("the growth check catches a series that keeps climbing and passes one that levels off", () => {
  const sample = (atS: number, rssMiB: number): SoakSample => ({
    atS,
    rssMiB,
    openFds: 40,
    callsInFlight: 3,
    mcpSessions: 5,
    loopLagMs: 1,
  });
  const climbing = [0, 10, 20, 30, 40, 50, 60, 70].map((t) => sample(t, 100 + 4 * t));
  expect(findGrowth(climbing).map((g) => g.series)).toEqual(["rssMiB"]);
  const levelled = [0, 10, 20, 30, 40, 50, 60, 70].map((t) =>
    sample(t, t < 30 ? 100 + 3 * t : 190 + (t % 20)),
  );
  expect(findGrowth(levelled)).toEqual([]);
});

test(
  `mixed traffic for ${DURATION_MS / 1000} s: nothing grows without bound`,
  async () => {
    const result = await runSoak({ durationMs: DURATION_MS, sampleMs: SAMPLE_MS });
    console.log(`soak traffic ${JSON.stringify(result.traffic)}; samples ${JSON.stringify(result.samples)}`);
    expect(result.samples.length).toBeGreaterThanOrEqual(Math.floor(DURATION_MS / SAMPLE_MS));
    expect(result.unexpectedFailures).toEqual([]);
    expect(result.traffic.calls).toBeGreaterThan(100);
    expect(result.traffic.aborts).toBeGreaterThan(10);
    expect(result.traffic.spokes).toBeGreaterThan(5);
    expect(result.traffic.mcpSessions).toBeGreaterThan(10);
    expect(result.growing).toEqual([]);
  },
  DURATION_MS + 120_000,
);
