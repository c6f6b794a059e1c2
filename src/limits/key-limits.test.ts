import { expect, test } from "bun:test";
import { HubError } from "../protocol/index.ts";
import { KeyLimits, type KeyUsage, retryAfterHeader } from "./key-limits.ts";

const settings = {
  enabled: true,
  callsPerSecond: 10,
  callBurst: 5,
  maxInFlight: 3,
  maxMcpSessions: 2,
  maxConnections: 1,
};

test("the bucket admits a burst, then refuses with a retry time, and refills with time", () => {
  const limits = new KeyLimits(settings);
  for (let i = 0; i < 5; i++) expect(limits.admitCall("k", 1000)).not.toBeInstanceOf(HubError);
  const refused = limits.admitCall("k", 1000) as HubError;
  expect(refused.code).toBe("RATE_LIMITED");
  expect(retryAfterHeader(refused)).toEqual({ "retry-after": "1" });
  expect((refused.details as { retryAfterMs: number }).retryAfterMs).toBe(100);
  expect(limits.admitCall("k", 1100)).not.toBeInstanceOf(HubError);
  // Another key has its own bucket.
  expect(limits.admitCall("other", 1000)).not.toBeInstanceOf(HubError);
});

test("calls held in flight count against the cap until they end", () => {
  const limits = new KeyLimits({ ...settings, callBurst: 100 });
  const held: KeyUsage[] = [];
  for (let i = 0; i < 3; i++) {
    const usage = limits.admitCall("k", 0) as KeyUsage;
    usage.inFlight++;
    held.push(usage);
  }
  expect((limits.admitCall("k", 0) as HubError).message).toContain("3 calls");
  held[0]!.inFlight--;
  expect(limits.admitCall("k", 0)).not.toBeInstanceOf(HubError);
});

test("sessions and connections are capped per key and released", () => {
  const limits = new KeyLimits(settings);
  expect(limits.acquire("mcpSessions", "k")).toBeUndefined();
  expect(limits.acquire("mcpSessions", "k")).toBeUndefined();
  expect(limits.acquire("mcpSessions", "k")?.code).toBe("RATE_LIMITED");
  limits.release("mcpSessions", "k");
  expect(limits.acquire("mcpSessions", "k")).toBeUndefined();
  expect(limits.acquire("connections", "k")).toBeUndefined();
  expect(limits.check("connections", "k")?.code).toBe("RATE_LIMITED");
});

test("disabled limits admit everything but a revoked key", () => {
  const revoked = new Set<string>();
  const limits = new KeyLimits({ ...settings, enabled: false }, (keyId) => revoked.has(keyId));
  for (let i = 0; i < 100; i++) expect(limits.admitCall("k", 0)).not.toBeInstanceOf(HubError);
  revoked.add("k");
  limits.revoke("k");
  expect((limits.admitCall("k", 0) as HubError).code).toBe("ACCESS_DENIED");
  expect(limits.acquire("connections", "k")?.code).toBe("ACCESS_DENIED");
  // A key first seen after its revocation is refused too.
  revoked.add("late");
  expect((limits.admitCall("late", 0) as HubError).code).toBe("ACCESS_DENIED");
});

test("other instances' shares charge the bucket and add to the caps until they go stale", () => {
  const limits = new KeyLimits(settings);
  limits.applyRemote("b", "k", [5, 0, 2, 0], 0);
  expect((limits.admitCall("k", 0) as HubError).code).toBe("RATE_LIMITED");
  expect(limits.check("mcpSessions", "k")?.code).toBe("RATE_LIMITED");
  limits.sweep(1000, 500);
  expect(limits.check("mcpSessions", "k")).toBeUndefined();
});

test("idle entries are swept", () => {
  const limits = new KeyLimits(settings);
  limits.admitCall("k", 0);
  (limits.usage("k") as KeyUsage).started = 0;
  limits.sweep(10_000, 0);
  expect(limits.size).toBe(0);
});

test("a key cut and then restored (disabled, enabled again) is admitted again", () => {
  const limits = new KeyLimits(settings);
  expect(limits.admitCall("k", 0)).not.toBeInstanceOf(HubError);
  limits.revoke("k");
  expect(limits.admitCall("k", 1)).toBeInstanceOf(HubError);
  limits.restore("k");
  expect(limits.admitCall("k", 2)).not.toBeInstanceOf(HubError);
});
