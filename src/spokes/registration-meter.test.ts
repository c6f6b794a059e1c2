import { describe, expect, test } from "bun:test";
import { RegistrationMeter } from "./registration-meter.ts";

const LIMITS = {
  perConnectionPerMinute: 10,
  perKeyPerMinute: 60,
  maxSchemaBytesPerSpoke: 100,
  maxSchemaBytesPerKey: 250,
};

describe("RegistrationMeter schema budget", () => {
  test("a spoke over its own budget is refused, naming the limit", () => {
    const meter = new RegistrationMeter(LIMITS);
    expect(meter.checkBudget("k1", "a", 100)).toBeUndefined();
    expect(meter.checkBudget("k1", "a", 101)?.message).toContain("at most 100 allowed per spoke");
  });

  test("a key's spokes share its budget; other keys do not count", () => {
    const meter = new RegistrationMeter(LIMITS);
    meter.hold("k1", "a", 100);
    meter.hold("k1", "b", 100);
    meter.hold("k2", "x", 100);
    expect(meter.checkBudget("k1", "c", 50)).toBeUndefined();
    const refusal = meter.checkBudget("k1", "c", 51);
    expect(refusal?.code).toBe("VALIDATION_ERROR");
    expect(refusal?.message).toContain("would hold 251 bytes");
    expect(meter.checkBudget("k2", "y", 100)).toBeUndefined();
  });

  test("a spoke registering again is measured without its old share, and holds only its new one", () => {
    const meter = new RegistrationMeter(LIMITS);
    meter.hold("k1", "a", 100);
    meter.hold("k1", "b", 100);
    // "a" replaces its 100 bytes: 100 (b) + 100 fits, where counting a's old share too would not.
    expect(meter.checkBudget("k1", "a", 100)).toBeUndefined();
    meter.hold("k1", "a", 40);
    meter.hold("k1", "a", 60);
    expect(meter.checkBudget("k1", "c", 90)).toBeUndefined();
    expect(meter.checkBudget("k1", "c", 91)).toBeDefined();
  });

  test("a released spoke frees its share; releasing one never held changes nothing", () => {
    const meter = new RegistrationMeter(LIMITS);
    meter.hold("k1", "a", 100);
    meter.hold("k1", "b", 100);
    meter.release("k1", "a");
    meter.release("k1", "nobody");
    meter.release("k9", "a");
    expect(meter.checkBudget("k1", "c", 100)).toBeUndefined();
    expect(meter.checkBudget("k1", "c", 151)).toBeDefined();
    meter.release("k1", "b");
    expect(meter.checkBudget("k1", "c", 100)).toBeUndefined();
  });

  test("thousands of spokes of one key add up exactly", () => {
    const meter = new RegistrationMeter({
      ...LIMITS,
      maxSchemaBytesPerSpoke: 30_000,
      maxSchemaBytesPerKey: 30_000,
    });
    for (let i = 0; i < 10_000; i++) meter.hold("k1", `s${i}`, 3);
    expect(meter.checkBudget("k1", "new", 0)).toBeUndefined();
    expect(meter.checkBudget("k1", "new", 1)).toBeDefined();
    for (let i = 0; i < 5_000; i++) meter.release("k1", `s${i}`);
    expect(meter.checkBudget("k1", "new", 15_000)).toBeUndefined();
    expect(meter.checkBudget("k1", "new", 15_001)).toBeDefined();
  });
});
