import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { UnavailableError } from "../errors.ts";
import { silentLogger } from "../log/index.ts";
import { acquireDataDirLock, LOCK_FILE_NAME } from "./data-dir-lock.ts";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "alkhub-lock-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = Bun.spawn(["true"]);
  await child.exited;
  return child.pid;
}

describe("data dir lock", () => {
  test("creates the dir and a lock file describing this process; release removes it", () => {
    const dataDir = join(tempDir(), "nested", "data");
    const lock = acquireDataDirLock(dataDir, "alkhub serve", silentLogger);
    const holder = JSON.parse(readFileSync(join(dataDir, LOCK_FILE_NAME), "utf8"));
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname(), command: "alkhub serve" });
    expect(Number.isNaN(Date.parse(holder.startedAt))).toBe(false);
    lock.release();
    lock.release();
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  });

  test("a live holder refuses a second lock with its pid, command and start time", () => {
    const dataDir = tempDir();
    const lock = acquireDataDirLock(dataDir, "alkhub serve", silentLogger);
    try {
      let error: unknown;
      try {
        acquireDataDirLock(dataDir, "alkhub keys", silentLogger);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(
        new RegExp(`^embedded data dir .* is in use by pid ${process.pid} \\(alkhub serve, since \\d{4}-`),
      );
    } finally {
      lock.release();
    }
  });

  test("a lock of a dead pid on this host is taken over", async () => {
    const dataDir = tempDir();
    const pid = await deadPid();
    const stale = { pid, hostname: hostname(), startedAt: "2020-01-01T00:00:00.000Z", command: "old" };
    writeFileSync(join(dataDir, LOCK_FILE_NAME), JSON.stringify(stale));
    const lock = acquireDataDirLock(dataDir, "new", silentLogger);
    expect(JSON.parse(readFileSync(lock.path, "utf8")).pid).toBe(process.pid);
    lock.release();
  });

  test("a lock held on another host is never taken over", async () => {
    const dataDir = tempDir();
    const other = {
      pid: await deadPid(),
      hostname: "elsewhere",
      startedAt: "2020-01-01T00:00:00Z",
      command: "x",
    };
    writeFileSync(join(dataDir, LOCK_FILE_NAME), JSON.stringify(other));
    expect(() => acquireDataDirLock(dataDir, "new", silentLogger)).toThrow(/on host elsewhere/);
  });

  test("an unreadable lock is respected while fresh and cleared once old", () => {
    const dataDir = tempDir();
    const path = join(dataDir, LOCK_FILE_NAME);
    writeFileSync(path, "{");
    expect(() => acquireDataDirLock(dataDir, "new", silentLogger)).toThrow(UnavailableError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    acquireDataDirLock(dataDir, "new", silentLogger).release();
  });

  test("release leaves a lock that is no longer ours alone", () => {
    const dataDir = tempDir();
    const lock = acquireDataDirLock(dataDir, "a", silentLogger);
    const foreign = JSON.stringify({ pid: 1, hostname: "h", startedAt: "t", command: "c" });
    writeFileSync(lock.path, foreign);
    lock.release();
    expect(readFileSync(lock.path, "utf8")).toBe(foreign);
  });
});
