export { DEFAULT_STORE_PING_INTERVAL_MS, DependencyMonitor } from "./dependency-monitor.ts";
export { retryUntilAvailable } from "./retry.ts";
export { type ShutdownPhase, ShutdownPlan } from "./shutdown-plan.ts";
