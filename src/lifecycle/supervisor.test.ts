import { expect, test } from "bun:test";
import { silentLogger } from "../log/index.ts";
import type { StartupStep } from "./steps.ts";
import { StartupStepError, Supervisor } from "./supervisor.ts";

function recorder(order: string[], name: string, fail?: "drain" | "stop") {
  return {
    name,
    start: () => void order.push(`start ${name}`),
    drain: async () => {
      order.push(`drain ${name}`);
      if (fail === "drain") throw new Error("boom");
    },
    stop: async () => {
      order.push(`stop ${name}`);
      if (fail === "stop") throw new Error("boom");
    },
  };
}

test("starts in order; drains every part newest first, then stops them newest first; failures do not stop the rest", async () => {
  const order: string[] = [];
  const supervisor = new Supervisor({ log: () => silentLogger, onStep: () => {} });
  supervisor.manage({ name: "listener", drain: async () => void order.push("drain listener") });
  await supervisor.start(recorder(order, "a", "drain"));
  await supervisor.start(recorder(order, "b", "stop"));
  await supervisor.stop();
  expect(order).toEqual(["start a", "start b", "drain b", "drain a", "drain listener", "stop b", "stop a"]);
  await supervisor.stop();
  expect(order).toHaveLength(7);
});

test("a failing step undoes what started and names itself", async () => {
  const order: string[] = [];
  const steps: StartupStep[] = [];
  const supervisor = new Supervisor({ log: () => silentLogger, onStep: (step) => steps.push(step) });
  await supervisor.step("connect-postgres", () => supervisor.start(recorder(order, "store")));
  const failing = supervisor.step("connect-redis", () => {
    throw new Error("no redis");
  });
  await expect(failing).rejects.toBeInstanceOf(StartupStepError);
  await expect(failing).rejects.toThrow("startup step connect-redis failed: no redis");
  expect(steps).toEqual(["connect-postgres", "connect-redis"]);
  expect(order).toEqual(["start store", "drain store", "stop store"]);
});

test("a part that overruns its stop time is left behind and the rest still stop", async () => {
  const order: string[] = [];
  const supervisor = new Supervisor({ log: () => silentLogger, onStep: () => {} });
  await supervisor.start(recorder(order, "first"));
  await supervisor.start({ name: "stuck", stopTimeoutMs: 50, stop: () => new Promise<void>(() => {}) });
  await supervisor.stop();
  expect(order).toEqual(["start first", "drain first", "stop first"]);
});
