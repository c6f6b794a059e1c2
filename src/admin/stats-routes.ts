/**
 * `/stats` (scope admin): calls and errors per 10 s bucket over the last 15 minutes, cluster-wide. Each
 * instance counts in the router's own counters (no I/O on the relay) and sends its series with its roster
 * message every 5 s; the answering instance adds its live counts to the others' last ones.
 */
import { STATS_BUCKET_MS } from "../router/index.ts";
import type { ApiDeps } from "./deps.ts";
import { StatsView } from "./live-schemas.ts";
import { type AnyRoute, defineRoute } from "./route.ts";

/** The stats route. */
export function statsRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/stats",
      summary: "Calls and errors per 10 s, last 15 minutes",
      description:
        "Cluster-wide: this instance's live counts plus each other instance's as of its last roster message (at most 5 s old). Errors are calls that ended with outcome error or timeout.",
      tag: "cluster",
      scope: "admin",
      response: StatsView,
      handle() {
        const roster = deps.parts().roster;
        const now = Date.now();
        const series = roster.stats(now);
        return {
          bucketSeconds: 10 as const,
          instances: roster.members(now).length,
          buckets: series.calls.map((calls, i) => ({
            at: new Date((series.firstBucket + i) * STATS_BUCKET_MS).toISOString(),
            calls,
            errors: series.errors[i] ?? 0,
          })),
        };
      },
    }),
  ];
}
