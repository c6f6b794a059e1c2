/** The hostile suite's harness: a compiled hub under observation, and seeded fuzzing. */
export {
  BYSTANDER_FACTOR,
  BYSTANDER_FLOOR_MS,
  expectBystanderUnharmed,
  HEALTH_LIMIT_MS,
  type HostileHub,
  type HostileHubOptions,
  type HostileKey,
  type HostileKeySpec,
  type PhaseReport,
  startHostileHub,
} from "./hostile-hub.ts";
export { fuzz, fuzzSeed, Rng } from "./seeded.ts";
