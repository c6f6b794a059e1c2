/** The startup steps, in the order `startHub` runs them through the `Supervisor` (ARCHITECTURE.md › Lifecycle). */
export const STARTUP_STEPS = [
  "resolve-config",
  "load-config",
  "init-logger",
  "connect-postgres",
  "run-migrations",
  "connect-redis",
  "init-keyring",
  "init-drizzle",
  "init-subsystems",
  "start-server",
  "ready",
] as const;

export type StartupStep = (typeof STARTUP_STEPS)[number];
