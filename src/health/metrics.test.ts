import { expect, test } from "bun:test";
import { MetricsRegistry } from "./metrics.ts";

test("renders counters, gauges and histograms in Prometheus text format", () => {
  const registry = new MetricsRegistry();
  const calls = registry.counter("alkhub_calls_total", "Calls.");
  calls.inc({ outcome: "ok" });
  calls.inc({ outcome: "ok" }, 2);
  calls.inc({ outcome: 'we"ird\n' });
  registry.gauge("alkhub_up", "Up.", () => [[{}, 1]]);
  const latency = registry.histogram("alkhub_latency_seconds", "Latency.", [0.1, 1]);
  latency.observe(0.05);
  latency.observe(0.5);
  latency.observe(5);
  const text = registry.render();
  expect(text).toContain("# TYPE alkhub_calls_total counter\n");
  expect(text).toContain('alkhub_calls_total{outcome="ok"} 3\n');
  expect(text).toContain('alkhub_calls_total{outcome="we\\"ird\\n"} 1\n');
  expect(text).toContain("alkhub_up 1\n");
  expect(text).toContain('alkhub_latency_seconds_bucket{le="0.1"} 1\n');
  expect(text).toContain('alkhub_latency_seconds_bucket{le="1"} 2\n');
  expect(text).toContain('alkhub_latency_seconds_bucket{le="+Inf"} 3\n');
  expect(text).toContain("alkhub_latency_seconds_count 3\n");
  expect(calls.get({ outcome: "ok" })).toBe(3);
});
