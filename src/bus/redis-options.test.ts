import { describe, expect, test } from "bun:test";
import {
  describeTarget,
  MAX_RECONNECT_DELAY_MS,
  reconnectDelayMs,
  scrubCredentials,
  toClientOptions,
} from "./redis-options.ts";

describe("reconnectDelayMs", () => {
  test("grows exponentially, stays within [ceiling/2, ceiling], and never exceeds the cap", () => {
    for (let retries = 0; retries < 40; retries++) {
      const ceiling = Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS);
      for (let i = 0; i < 50; i++) {
        const delay = reconnectDelayMs(retries);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  test("is jittered", () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelayMs(10)));
    expect(delays.size).toBeGreaterThan(5);
  });
});

describe("describeTarget", () => {
  test("names host:port from a URL or from parts, with the default port", () => {
    expect(describeTarget({ url: "redis://user:pw@cache.local:6380/2" })).toBe("cache.local:6380");
    expect(describeTarget({ url: "rediss://cache.local" })).toBe("cache.local:6379");
    expect(describeTarget({ host: "10.0.0.5", password: "pw" })).toBe("10.0.0.5:6379");
  });
});

describe("scrubCredentials", () => {
  test("removes the URL and its password, also percent-decoded", () => {
    const url = "redis://u:p%40ss-word@h:1";
    expect(scrubCredentials(`failed ${url} and p@ss-word and p%40ss-word`, { url })).toBe(
      "failed [redacted] and [redacted] and [redacted]",
    );
  });

  test("removes a password given as a part", () => {
    expect(scrubCredentials("auth hunter2 failed", { host: "h", password: "hunter2" })).toBe(
      "auth [redacted] failed",
    );
  });
});

describe("toClientOptions", () => {
  test("maps parts onto node-redis options", () => {
    expect(toClientOptions({ host: "h", port: 1, username: "u", password: "p", db: 2, tls: true })).toEqual({
      socket: { host: "h", port: 1, tls: true },
      username: "u",
      password: "p",
      database: 2,
    });
    expect(toClientOptions({ host: "h" })).toEqual({ socket: { host: "h", port: 6379 } });
    expect(toClientOptions({ url: "redis://h" })).toEqual({ url: "redis://h" });
  });
});
