import { expect, test } from "bun:test";
import { STARTUP_STEPS } from "../lifecycle/index.ts";
import { HealthState } from "./state.ts";

test("reports the current step while starting, then ok once ready", () => {
  const health = new HealthState();
  expect(health.report()).toEqual({ status: "starting", step: "resolve-config" });
  health.enter("connect-postgres");
  expect(health.report()).toEqual({ status: "starting", step: "connect-postgres" });
  health.enter("ready");
  expect(health.report()).toEqual({ status: "ok" });
  expect(health.stepDurationsMs.has("connect-postgres")).toBe(true);
});

test("degrades while a dependency is down and recovers by itself", () => {
  const health = new HealthState();
  health.enter("ready");
  expect(health.setDependency("redis", false)).toBe(true);
  expect(health.setDependency("redis", false)).toBe(false);
  health.setDependency("postgres", false);
  expect(health.report()).toEqual({
    status: "degraded",
    issues: ["postgres-unavailable", "redis-unavailable"],
  });
  health.setDependency("postgres", true);
  health.setDependency("redis", true);
  expect(health.report()).toEqual({ status: "ok" });
});

test("draining wins over everything", () => {
  const health = new HealthState();
  health.enter("ready");
  health.markDraining();
  expect(health.report()).toEqual({ status: "draining" });
});

test("the steps are the eleven of the design, in order", () => {
  expect(STARTUP_STEPS).toEqual([
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
  ]);
});
