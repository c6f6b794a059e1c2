/** The timer wheel on a fake clock: never early, at most one tick late, cancellable, idle when empty. */
import { expect, test } from "bun:test";
import { FakeClock } from "../../tests/support/relay-fakes.ts";
import { TimerWheel } from "./timer-wheel.ts";

function wheel(tickMs = 10) {
  const clock = new FakeClock(1_000_000);
  const fired: Array<[string, number]> = [];
  const timers = new TimerWheel<string>(clock, tickMs, (entry) => fired.push([entry, clock.now()]));
  return { clock, fired, timers };
}

test("entries fire at the first tick at or after their time (one tick's entries in the order they came)", () => {
  const { clock, fired, timers } = wheel();
  const start = clock.now();
  timers.schedule("late", start + 35);
  timers.schedule("early", start + 10);
  timers.schedule("past", start - 500);
  clock.advance(9);
  expect(fired).toEqual([]);
  clock.advance(1);
  expect(fired).toEqual([
    ["early", start + 10],
    ["past", start + 10],
  ]);
  clock.advance(29);
  expect(fired.map(([entry]) => entry)).toEqual(["early", "past"]);
  clock.advance(1);
  expect(fired.at(-1)).toEqual(["late", start + 40]);
  expect(timers.size).toBe(0);
});

test("a cancelled entry never fires; cancelling twice or after firing is harmless", () => {
  const { clock, fired, timers } = wheel();
  const slot = timers.schedule("a", clock.now() + 20);
  timers.schedule("b", clock.now() + 20);
  timers.cancel("a", slot);
  timers.cancel("a", slot);
  clock.advance(30);
  expect(fired.map(([entry]) => entry)).toEqual(["b"]);
  timers.cancel("b", slot);
  expect(timers.size).toBe(0);
});

test("the tick runs only while entries wait, and restarts for new ones", () => {
  const { clock, fired, timers } = wheel();
  expect(clock.tickers).toBe(0);
  timers.schedule("a", clock.now() + 10);
  expect(clock.tickers).toBe(1);
  clock.advance(20);
  expect(clock.tickers).toBe(0);
  timers.schedule("b", clock.now() + 1000);
  clock.advance(1000);
  expect(fired.map(([entry]) => entry)).toEqual(["a", "b"]);
});

test("an entry scheduled while others fire lands in a later tick, never a passed one", () => {
  const { clock, fired, timers } = wheel();
  const reschedule = new TimerWheel<string>(clock, 10, (entry) => {
    fired.push([entry, clock.now()]);
    if (entry === "first") reschedule.schedule("second", clock.now());
  });
  reschedule.schedule("first", clock.now() + 10);
  clock.advance(10);
  expect(fired.map(([entry]) => entry)).toEqual(["first"]);
  clock.advance(10);
  expect(fired.map(([entry]) => entry)).toEqual(["first", "second"]);
  expect(timers.size).toBe(0);
});
