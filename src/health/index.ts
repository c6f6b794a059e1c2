export { DEFAULT_STORE_PING_INTERVAL_MS, DependencyMonitor } from "./dependency-monitor.ts";
export { Counter, Histogram, type HistogramSeries, type Labels, MetricsRegistry } from "./metrics.ts";
export { registerProcessMetrics } from "./process-metrics.ts";
export { type DependencyName, type HealthReport, HealthState } from "./state.ts";
