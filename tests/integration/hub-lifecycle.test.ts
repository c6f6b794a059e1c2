import { afterAll, beforeAll, expect, test } from "bun:test";
import { describeWithServices, TEST_MODE } from "../support/services.ts";
import { startTestHub, type TestHub } from "../support/test-hub.ts";

// Runs in both modes: real Postgres + Redis, and embedded PGlite + memory bus.
describeWithServices(`hub lifecycle (${TEST_MODE})`, () => {
  let testHub: TestHub;

  beforeAll(async () => {
    testHub = await startTestHub();
  }, 60_000);

  afterAll(async () => {
    await testHub?.stop();
  });

  test("reports ok once ready, on the store and bus of this mode", async () => {
    const response = await fetch(`${testHub.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    expect(testHub.hub.store.kind).toBe(TEST_MODE === "services" ? "postgres" : "embedded");
    expect(testHub.hub.bus.kind).toBe(TEST_MODE === "services" ? "redis" : "memory");
  });

  test("answers liveness", async () => {
    const response = await fetch(`${testHub.url}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "live" });
  });

  test("exports Prometheus metrics for process, startup and dependencies", async () => {
    const response = await fetch(`${testHub.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain("alkhub_ready 1\n");
    expect(text).toContain('alkhub_dependency_up{dependency="postgres"} 1\n');
    expect(text).toMatch(/alkhub_startup_step_duration_seconds\{step="run-migrations"\} [0-9.e-]+\n/);
    expect(text).toMatch(/alkhub_process_resident_memory_bytes \d+/);
  });

  test("the store answers queries and the migrations left nothing pending", async () => {
    await testHub.hub.store.ping();
    const status = await testHub.hub.store.migrationStatus();
    expect(status.length).toBeGreaterThan(0);
    expect(status.every((m) => m.applied)).toBe(true);
  });

  test("logs carry no secrets: no master key, no database URL", () => {
    const all = testHub.logs.join("\n");
    expect(all).not.toContain(Buffer.from(testHub.files.masterKey).toString("base64"));
    expect(all).not.toContain("postgres://");
  });
});
