/**
 * Where the real services of the test machine are, and which mode this run is in. `scripts/test.ts` runs the
 * whole suite twice: once against the real Postgres and Redis (`ALKHUB_TEST_MODE=services`) and once embedded
 * (`ALKHUB_TEST_MODE=embedded`: PGlite + memory bus). Suites that test a seam against every implementation (the
 * bus and store conformance suites) use the real services in both runs.
 */
import { describe } from "bun:test";
import { createScratchDatabase, type ScratchDatabase } from "./scratch-database.ts";

export { POSTGRES_ADMIN_URL } from "./scratch-database.ts";
/**
 * The shared Redis of the test machine. `ALKHUB_TEST_REDIS_PORT` points a run at another loopback Redis, so two
 * checkouts can run their suites at once without sharing presence keys (CI leaves it unset).
 */
export const REDIS_PORT = Number(process.env.ALKHUB_TEST_REDIS_PORT || 6379);
export const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}`;

/** `services` (real Postgres and Redis) or `embedded` (PGlite and the memory bus). */
export const TEST_MODE: "services" | "embedded" =
  process.env.ALKHUB_TEST_MODE === "embedded" ? "embedded" : "services";

/**
 * False only when `scripts/test.ts` found no Postgres/Redis on a developer machine (never in CI, where that is
 * an error): suites that need them are then reported as skipped instead of failing.
 */
export const REAL_SERVICES_AVAILABLE = process.env.ALKHUB_TEST_SERVICES !== "off";

/** `describe` for suites that need the real Postgres and Redis. */
export const describeWithServices = REAL_SERVICES_AVAILABLE ? describe : describe.skip;

/** A database of its own for one suite: created empty, dropped (with its connections) by `drop()`. */
export type TestDatabase = ScratchDatabase;

export function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase("alkhub_test");
}
