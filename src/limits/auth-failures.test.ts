import { expect, test } from "bun:test";
import { silentLogger } from "../log/index.ts";
import { type AuthFailureRow, AuthFailures } from "./auth-failures.ts";

test("failures block an address and a key id past their limits, for the rest of the minute", () => {
  const failures = new AuthFailures(
    { perAddressPerMinute: 3, perKeyIdPerMinute: 2 },
    async () => {},
    silentLogger,
  );
  failures.failed("10.0.0.1", "abc", "unknown", 0);
  expect(failures.blockedFor("10.0.0.1", "abc", 0)).toBe(0);
  failures.failed("10.0.0.2", "abc", "unknown", 0);
  expect(failures.blockedFor("10.0.0.3", "abc", 1000)).toBe(59_000);
  expect(failures.blockedFor("10.0.0.3", "other", 1000)).toBe(0);
  failures.failed("10.0.0.1", undefined, "malformed", 0);
  failures.failed("10.0.0.1", undefined, "malformed", 0);
  expect(failures.blockedFor("10.0.0.1", undefined, 0)).toBeGreaterThan(0);
  expect(failures.blockedFor("10.0.0.1", undefined, 60_000)).toBe(0);
});

test("a flood becomes at most 101 audit rows per flush, with counts", async () => {
  const written: AuthFailureRow[][] = [];
  const failures = new AuthFailures(
    { perAddressPerMinute: 10, perKeyIdPerMinute: 10 },
    async (rows) => void written.push(rows),
    silentLogger,
  );
  for (let i = 0; i < 600; i++) failures.failed("10.0.0.1", "abc", "unknown", i);
  for (let i = 0; i < 1000; i++) failures.failed(`10.1.${i >> 8}.${i & 255}`, undefined, "malformed", i);
  await failures.flush(2000);
  const rows = written[0]!;
  expect(rows.length).toBe(101);
  expect(rows.find((row) => row.keyId === "abc")?.count).toBe(600);
  expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(1600);
  await failures.flush(3000);
  expect(written.length).toBe(1);
});
