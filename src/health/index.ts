export { Counter, Histogram, type HistogramSeries, type Labels, MetricsRegistry } from "./metrics.ts";
export { registerProcessMetrics } from "./process-metrics.ts";
export { type DependencyName, type HealthReport, HealthState } from "./state.ts";
export { STARTUP_STEPS, type StartupStep } from "./steps.ts";
