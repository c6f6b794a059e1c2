import { expect, test } from "bun:test";
import { silentLogger } from "../log/index.ts";
import { ShutdownPlan } from "./shutdown-plan.ts";

test("stops drain, then server, then connections; newest first; failures do not stop the rest", async () => {
  const order: string[] = [];
  const plan = new ShutdownPlan();
  plan.add("server", "http", async () => void order.push("http"));
  plan.add("connections", "postgres", async () => void order.push("postgres"));
  plan.add("connections", "redis", async () => {
    order.push("redis");
    throw new Error("boom");
  });
  plan.add("drain", "monitor", async () => void order.push("monitor"));
  await plan.run(silentLogger);
  expect(order).toEqual(["monitor", "http", "redis", "postgres"]);
  await plan.run(silentLogger);
  expect(order).toHaveLength(4);
});
