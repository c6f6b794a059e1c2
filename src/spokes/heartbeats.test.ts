import { expect, test } from "bun:test";
import { CLOSE_CODES } from "../protocol/index.ts";
import { Heartbeats } from "./heartbeats.ts";
import type { SpokeSession } from "./session.ts";

/** A session as the heartbeats see it: when it was last heard from, and what was done to it. */
function fakeSession(lastSeenAt: number) {
  const done: Array<string | number> = [];
  const session = {
    lastSeenAt,
    ping: () => void done.push("ping"),
    close: (code: number) => void done.push(code),
  };
  return { session: session as unknown as SpokeSession, done };
}

test("pings live connections and closes one silent for two intervals with 1001", async () => {
  const live = fakeSession(Date.now() + 60_000);
  const silent = fakeSession(0);
  const beats: number[] = [];
  const heartbeats = new Heartbeats([live.session, silent.session], 100, () => beats.push(1));
  heartbeats.start();
  // A round that ran late closes nobody (next test), so wait for the first round that closed the silent one.
  const giveUpAt = Date.now() + 15_000;
  while (silent.done.length === 0 && Date.now() < giveUpAt) await new Promise((r) => setTimeout(r, 10));
  heartbeats.stop();
  expect(live.done.every((what) => what === "ping")).toBe(true);
  expect(silent.done[0]).toBe(CLOSE_CODES.HEARTBEAT_LOST);
  expect(beats.length).toBeGreaterThanOrEqual(1);
});

test("a round that runs late (this process was stalled) closes nobody and pings everyone", async () => {
  const silent = fakeSession(0);
  const heartbeats = new Heartbeats([silent.session], 20, () => {});
  heartbeats.start();
  // Block the event loop for several intervals: the first round fires late.
  const until = Date.now() + 100;
  while (Date.now() < until) {}
  await new Promise((resolve) => setTimeout(resolve, 5));
  heartbeats.stop();
  expect(silent.done[0]).toBe("ping");
});
