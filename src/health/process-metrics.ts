import type { MetricsRegistry } from "./metrics.ts";
import type { HealthState } from "./state.ts";

/** Registers the process, build and startup series every hub exports. */
export function registerProcessMetrics(
  metrics: MetricsRegistry,
  health: HealthState,
  build: { version: string; commit: string },
): void {
  const startedAtMs = Date.now();
  metrics.gauge("alkhub_build_info", "Version and commit of this binary.", () => [[build, 1]]);
  metrics.gauge("alkhub_process_resident_memory_bytes", "Resident set size.", () => [
    [{}, process.memoryUsage.rss()],
  ]);
  metrics.gauge("alkhub_process_heap_used_bytes", "JavaScript heap in use.", () => [
    [{}, process.memoryUsage().heapUsed],
  ]);
  metrics.gauge("alkhub_process_cpu_seconds_total", "User plus system CPU time.", () => {
    const { user, system } = process.cpuUsage();
    return [[{}, (user + system) / 1e6]];
  });
  metrics.gauge("alkhub_process_uptime_seconds", "Seconds since the process started the hub.", () => [
    [{}, (Date.now() - startedAtMs) / 1000],
  ]);
  metrics.gauge("alkhub_ready", "1 once startup finished and the hub is not draining.", () => [
    [{}, health.ready && !health.draining ? 1 : 0],
  ]);
  metrics.gauge("alkhub_startup_step_duration_seconds", "Time each finished startup step took.", () =>
    [...health.stepDurationsMs].map(
      ([step, ms]) => [{ step }, ms / 1000] as [Record<string, string>, number],
    ),
  );
  metrics.gauge("alkhub_dependency_up", "1 while a dependency (postgres, redis) is reachable.", () => [
    [{ dependency: "postgres" }, health.isDown("postgres") ? 0 : 1],
    [{ dependency: "redis" }, health.isDown("redis") ? 0 : 1],
  ]);
}
