export { ReadyParts } from "./ready-parts.ts";
export { retryUntilAvailable } from "./retry.ts";
export type { Service } from "./service.ts";
export { STARTUP_STEPS, type StartupStep } from "./steps.ts";
export { DEFAULT_STOP_TIMEOUT_MS, StartupStepError, Supervisor } from "./supervisor.ts";
