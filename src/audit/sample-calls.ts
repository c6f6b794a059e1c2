import type { CallRecord } from "../router/index.ts";

/** Finished call number `i` for the audit's tests: NULLs, errors and sizes vary with `i`. */
export const sampleCall = (i: number): CallRecord => ({
  requestId: `r${i}`,
  operation: "dev1.echo",
  spokeName: i % 2 ? "dev1" : null,
  callerKeyId: null,
  outcome: i % 3 ? "ok" : "error",
  errorCode: i % 3 ? null : "BAD_INPUT",
  startedAt: 1_700_000_000_000 + i,
  finishedAt: 1_700_000_000_010 + i,
  inputBytes: i,
  outputBytes: 2 * i,
});
