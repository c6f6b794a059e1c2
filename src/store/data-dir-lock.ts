import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";

/** The lock file inside the embedded data dir. */
export const LOCK_FILE_NAME = "alkhub.lock";
/** An unreadable lock file younger than this may be mid-write by its owner; older ones are debris. */
const PARTIAL_LOCK_GRACE_MS = 10_000;

/** What the lock file records about the process that holds the data dir. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO 8601 time the holder took the lock. */
  startedAt: string;
  /** What the holder runs (`alkhub serve`), for the operator reading the error. */
  command: string;
}

/** A held data-dir lock. */
export interface DataDirLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

/**
 * Creates `dataDir` if missing and takes its lock file exclusively. A lock left by a dead process on this host
 * is taken over; a live holder (or one on another host) is an `UnavailableError` naming its pid and command.
 */
export function acquireDataDirLock(dataDir: string, command: string, log: Logger): DataDirLock {
  try {
    // Nothing of the database is for other users: new files 0600 and directories 0700 from here on (PGlite
    // creates its files with the default mode, so the process umask is what decides), and whatever an older
    // version left more open is tightened once.
    process.umask(0o077);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    tightenModes(dataDir);
  } catch (error) {
    throw new UnavailableError(`cannot create embedded data dir ${dataDir}: ${codeOf(error)}`, {
      cause: error,
    });
  }
  const path = join(dataDir, LOCK_FILE_NAME);
  const mine: LockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    command,
  };
  const content = `${JSON.stringify(mine)}\n`;
  // Two rounds: the second follows the removal of a stale lock; losing that race to another process is final.
  for (let round = 0; round < 2; round++) {
    if (tryCreate(path, content, dataDir)) return ownedLock(path, content);
    const holder = readHolder(path);
    if (holder === "gone") continue;
    if (holder === "partial") throw inUse(dataDir, undefined);
    if (holder === "debris" || isStale(holder)) {
      log.warn("taking over a stale embedded data dir lock", {
        path,
        holder: holder === "debris" ? null : holder,
      });
      removeIfPresent(path);
      continue;
    }
    throw inUse(dataDir, holder);
  }
  throw inUse(dataDir, undefined);
}

/** Sets `dir` and every directory below it to 0700 and every file to 0600. */
export function tightenModes(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tightenModes(path);
    else if (entry.isFile()) chmodSync(path, 0o600);
  }
}

function tryCreate(path: string, content: string, dataDir: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if (codeOf(error) === "EEXIST") return false;
    throw new UnavailableError(`cannot lock embedded data dir ${dataDir}: ${codeOf(error)}`, {
      cause: error,
    });
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function ownedLock(path: string, content: string): DataDirLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        // Only remove the file we wrote: a takeover after a crash report must not be undone by us.
        if (readFileSync(path, "utf8") === content) unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}

function readHolder(path: string): LockHolder | "gone" | "partial" | "debris" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (codeOf(error) === "ENOENT") return "gone";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === "number" && typeof parsed.hostname === "string") {
      return {
        pid: parsed.pid,
        hostname: parsed.hostname,
        startedAt: String(parsed.startedAt ?? "unknown"),
        command: String(parsed.command ?? "unknown"),
      };
    }
  } catch {
    // Fall through: unreadable content.
  }
  try {
    return Date.now() - statSync(path).mtimeMs > PARTIAL_LOCK_GRACE_MS ? "debris" : "partial";
  } catch {
    return "gone";
  }
}

/** A holder is stale only when it ran on this host and its pid no longer exists. */
function isStale(holder: LockHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it is alive.
    return codeOf(error) === "ESRCH";
  }
}

/**
 * The embedded data dir is held by another live process (`holder`, when its lock file could be read). The CLI
 * catches it to explain how to reach the hub that holds it instead.
 */
export class DataDirInUseError extends UnavailableError {
  readonly dataDir: string;
  readonly holder: LockHolder | undefined;

  constructor(dataDir: string, holder: LockHolder | undefined) {
    const where = holder && holder.hostname !== hostname() ? ` on host ${holder.hostname}` : "";
    super(
      holder
        ? `embedded data dir ${dataDir} is in use by pid ${holder.pid}${where} (${holder.command}, since ${holder.startedAt}); only one process may open it`
        : `embedded data dir ${dataDir} is being locked by another process; only one process may open it`,
    );
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

function inUse(dataDir: string, holder: LockHolder | undefined): UnavailableError {
  return new DataDirInUseError(dataDir, holder);
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (codeOf(error) !== "ENOENT") throw error;
  }
}

function codeOf(error: unknown): string {
  return (
    (error as { code?: string } | null)?.code ?? (error instanceof Error ? error.message : String(error))
  );
}
