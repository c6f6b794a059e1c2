import { describe, expect, test } from "bun:test";
import { historyQuery } from "./history-flags.ts";
import { parsePastTime } from "./times.ts";

const now = new Date("2026-12-06T12:00:00Z");

describe("parsePastTime (--since, --until)", () => {
  test("durations count back from now; ISO dates are taken as given", () => {
    expect(parsePastTime("30s", now, "--since").toISOString()).toBe("2026-12-06T11:59:30.000Z");
    expect(parsePastTime("15m", now, "--since").toISOString()).toBe("2026-12-06T11:45:00.000Z");
    expect(parsePastTime("7d", now, "--since").toISOString()).toBe("2026-11-29T12:00:00.000Z");
    expect(parsePastTime("2026-12-01", now, "--until").toISOString()).toBe("2026-12-01T00:00:00.000Z");
  });
  test("nonsense names the flag", () => {
    expect(() => parsePastTime("yesterday", now, "--since")).toThrow("--since 'yesterday' is neither");
    expect(() => parsePastTime("0m", now, "--until")).toThrow("positive");
  });
});

describe("historyQuery", () => {
  test("default limit 50; since before until; limit bounds", () => {
    expect(historyQuery("calls", {}, now)).toEqual({
      query: { since: undefined, until: undefined },
      limit: 50,
    });
    expect(historyQuery("calls", { since: "1h", until: "5m", limit: "7" }, now)).toEqual({
      query: { since: "2026-12-06T11:00:00.000Z", until: "2026-12-06T11:55:00.000Z" },
      limit: 7,
    });
    expect(() => historyQuery("calls", { since: "5m", until: "1h" }, now)).toThrow(
      "--since must lie before --until",
    );
    expect(() => historyQuery("audit", { limit: "0" }, now)).toThrow("--limit '0'");
    expect(() => historyQuery("audit", { limit: "x" }, now)).toThrow("--limit 'x'");
  });
});
