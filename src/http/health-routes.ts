import { Elysia } from "elysia";
import type { HealthState, MetricsRegistry } from "../health/index.ts";

const JSON_HEADERS = { "content-type": "application/json" };
const METRICS_HEADERS = { "content-type": "text/plain; version=0.0.4; charset=utf-8" };

/** Paths that answer while the hub is still starting (everything else gets 503 until `ready`). */
export const ALWAYS_OPEN_PATHS: ReadonlySet<string> = new Set(["/health", "/health/live"]);

/**
 * `/health`, `/health/live` and `/metrics` (ARCHITECTURE.md › Lifecycle). `guardMetrics`, when given, may
 * refuse a `/metrics` request (with `metrics.requireKey`).
 */
export function healthRoutes(
  health: HealthState,
  metrics: MetricsRegistry,
  guardMetrics?: (request: Request) => Promise<Response | undefined>,
) {
  return new Elysia({ name: "health-routes" })
    .get("/health", () => {
      const report = health.report();
      return new Response(JSON.stringify(report), {
        status: report.status === "ok" ? 200 : 503,
        headers: JSON_HEADERS,
      });
    })
    .get("/health/live", () => new Response('{"status":"live"}', { headers: JSON_HEADERS }))
    .get("/metrics", async ({ request }) => {
      const refused = guardMetrics && (await guardMetrics(request));
      return refused ?? new Response(metrics.render(), { headers: METRICS_HEADERS });
    });
}

/**
 * Answers 503 with `Retry-After` for every path but the health ones until the hub is ready, so load balancers
 * and clients see a clear "starting" instead of a half-initialised hub.
 */
export function startupGate(health: HealthState) {
  return new Elysia({ name: "startup-gate" }).onRequest(({ request }) => {
    if (health.ready) return;
    const path = new URL(request.url).pathname;
    if (ALWAYS_OPEN_PATHS.has(path)) return;
    return new Response(
      JSON.stringify({ code: "UNAVAILABLE", message: `hub is starting (${health.step})` }),
      {
        status: 503,
        headers: { ...JSON_HEADERS, "retry-after": "1" },
      },
    );
  });
}
