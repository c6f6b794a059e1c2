import { expect, test } from "bun:test";
import { silentLogger } from "../log/index.ts";
import { LOOP_LAG_ISSUE, LoopMonitor } from "./loop-monitor.ts";
import { MetricsRegistry } from "./metrics.ts";
import { HealthState } from "./state.ts";

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Holds the event loop, as a slow handler would.
  }
}

function readyHealth(): HealthState {
  const health = new HealthState();
  health.enter("ready");
  return health;
}

test("a held loop shows in the lag histogram and turns /health degraded until it catches up", async () => {
  const metrics = new MetricsRegistry();
  const health = readyHealth();
  const monitor = new LoopMonitor({
    metrics,
    health,
    log: silentLogger,
    settings: { intervalMs: 10, windowMs: 600, degradedMs: 150 },
  });
  monitor.start();
  try {
    await Bun.sleep(30);
    blockFor(300);
    await Bun.sleep(30);
    expect(health.report()).toEqual({ status: "degraded", issues: [LOOP_LAG_ISSUE] });
    const text = metrics.render();
    expect(text).toContain("# TYPE alkhub_event_loop_lag_seconds histogram");
    // The held 300 ms fell in the 0.5 s bucket, not the 0.25 s one.
    const le = (bound: string) =>
      Number(new RegExp(`alkhub_event_loop_lag_seconds_bucket\\{le="${bound}"\\} (\\d+)`).exec(text)?.[1]);
    expect(le("0.5")).toBeGreaterThan(le("0.25"));
    // Once the window has passed without lag, health is ok again.
    const deadline = Date.now() + 5000;
    while (health.report().status !== "ok" && Date.now() < deadline) await Bun.sleep(20);
    expect(health.report()).toEqual({ status: "ok" });
  } finally {
    monitor.stop();
  }
});

test("slow handlers are counted and the slowest recent run of each kind is exported", () => {
  const metrics = new MetricsRegistry();
  const monitor = new LoopMonitor({
    metrics,
    health: readyHealth(),
    log: silentLogger,
    settings: { slowHandlerMs: 20 },
  });
  expect(monitor.time("ws:call.requested", () => 7)).toBe(7);
  monitor.time("ws:hub.register", () => blockFor(40));
  monitor.record("catalog:reload", 120);
  monitor.record("catalog:reload", 30);
  const text = metrics.render();
  expect(text).toMatch(/alkhub_handler_slowest_seconds\{handler="catalog:reload"\} 0\.12\b/);
  expect(text).toMatch(/alkhub_handler_slowest_seconds\{handler="ws:hub.register"\} 0\.0[4-9]/);
  expect(text).toContain('alkhub_handler_slow_total{handler="catalog:reload"} 2');
  expect(text).toContain('alkhub_handler_slow_total{handler="ws:hub.register"} 1');
  expect(text).not.toContain('alkhub_handler_slow_total{handler="ws:call.requested"}');
});

test("a loop held while the hub starts does not count once it is ready, however the probe lands", async () => {
  const health = new HealthState();
  const monitor = new LoopMonitor({
    metrics: new MetricsRegistry(),
    health,
    log: silentLogger,
    settings: { intervalMs: 10, windowMs: 600, degradedMs: 150 },
  });
  monitor.start();
  try {
    await Bun.sleep(30);
    // Startup work holds the loop and readiness is reached inside it: the next probe sees the whole gap.
    blockFor(300);
    health.enter("ready");
    await Bun.sleep(60);
    expect(health.report()).toEqual({ status: "ok" });
    expect(monitor.lagInWindowMs).toBeLessThan(150);
  } finally {
    monitor.stop();
  }
});
