import { describe, expect, test } from "bun:test";
import { relayChartSvg } from "./chart.ts";
import { cpuTicks, rssKib } from "./proc-stat.ts";
import { formatSpread, Histogram, spread } from "./stats.ts";

describe("Histogram", () => {
  test("percentiles are within one bucket (2 %) of the exact ones", () => {
    const h = new Histogram();
    for (let us = 1; us <= 1000; us++) h.record(us);
    expect(h.count).toBe(1000);
    expect(h.percentile(0.5)).toBeGreaterThanOrEqual(500);
    expect(h.percentile(0.5)).toBeLessThanOrEqual(510);
    expect(h.percentile(0.99)).toBeGreaterThanOrEqual(990);
    expect(h.percentile(0.99)).toBeLessThanOrEqual(1010);
  });

  test("is empty again after reset", () => {
    const h = new Histogram();
    h.record(5);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.percentile(0.5)).toBe(0);
  });
});

describe("spread", () => {
  test("median, min and max of odd and even sets", () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
    expect(formatSpread(spread([]), String)).toBe("—");
  });
});

describe("/proc readers", () => {
  test("CPU ticks of this process grow while it computes", () => {
    const before = cpuTicks(process.pid);
    const until = performance.now() + 100;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    expect(cpuTicks(process.pid)).toBeGreaterThan(before);
    expect(rssKib(process.pid)).toBeGreaterThan(1000);
  });
});

describe("relayChartSvg", () => {
  test("draws one hub and one raw bar per point in each panel, escaping the caption", () => {
    const svg = relayChartSvg(
      [
        { label: "1 / 1c", hubCallsPerSec: 7000, rawCallsPerSec: 10000, hubP50Us: 110, rawP50Us: 90 },
        { label: "64 / 1c", hubCallsPerSec: 33000, rawCallsPerSec: 90000, hubP50Us: 1600, rawP50Us: 700 },
      ],
      "a < b & c",
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<rect x="\d/g)?.length).toBe(2 * 2 * 2 + 2); // bars, plus the two legend swatches
    expect(svg).toContain("a &lt; b &amp; c");
    expect(svg).not.toContain("NaN");
  });
});
