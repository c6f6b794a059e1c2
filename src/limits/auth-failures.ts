import type { Logger } from "../log/index.ts";

/** The `limits.authFailures` config section. */
export interface AuthFailureLimits {
  perAddressPerMinute: number;
  perKeyIdPerMinute: number;
}

/** One coalesced `audit_logs` row: failures of one key id from one address for one reason. */
export interface AuthFailureRow {
  address: string;
  keyId: string | null;
  reason: string;
  count: number;
  firstAt: number;
  lastAt: number;
}

const WINDOW_MS = 60_000;
/** Most addresses and key ids counted at once; past it the oldest windows are dropped first. */
const MAX_COUNTERS = 50_000;
/** Most audit rows written per flush; the rest are summed into one overflow row. */
const MAX_ROWS_PER_FLUSH = 100;
/** How often failures are written to the audit and summed up in the log. */
export const AUTH_FAILURE_FLUSH_MS = 10_000;

interface Window {
  startedAt: number;
  count: number;
}

/**
 * Failed authentications (issue #10 item 7): counted per client address and per presented key id in one-minute
 * windows; past either limit further attempts are refused with 429 before the key is even looked up. Failures
 * are written to `audit_logs` coalesced (one row per address, key id and reason per flush, at most 100 rows a
 * flush) and logged as one summary line per flush, so a flood can grow neither the table nor the log fast.
 */
export class AuthFailures {
  readonly name = "auth-failures";
  readonly #limits: AuthFailureLimits;
  readonly #byAddress = new Map<string, Window>();
  readonly #byKeyId = new Map<string, Window>();
  #pending = new Map<string, AuthFailureRow>();
  #pendingTotal = 0;
  readonly #write: (rows: AuthFailureRow[]) => Promise<void>;
  readonly #log: Logger;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(limits: AuthFailureLimits, write: (rows: AuthFailureRow[]) => Promise<void>, log: Logger) {
    this.#limits = limits;
    this.#write = write;
    this.#log = log;
  }

  /**
   * Milliseconds until `address` (or the presented `keyId`) may try again; 0 when it may now. `address` may be
   * a function that finds it: it is called only while some address has failed, so a request on a quiet hub
   * does not pay for the lookup (the socket's peer address is a native call per request).
   */
  blockedFor(address: string | (() => string), keyId: string | undefined, now = Date.now()): number {
    const byAddress =
      this.#byAddress.size === 0
        ? 0
        : waitOf(
            this.#byAddress.get(typeof address === "string" ? address : address()),
            this.#limits.perAddressPerMinute,
            now,
          );
    const byKey =
      keyId === undefined ? 0 : waitOf(this.#byKeyId.get(keyId), this.#limits.perKeyIdPerMinute, now);
    return Math.max(byAddress, byKey);
  }

  /** Records one failed authentication. */
  failed(address: string, keyId: string | undefined, reason: string, now = Date.now()): void {
    count(this.#byAddress, address, now);
    if (keyId !== undefined) count(this.#byKeyId, keyId, now);
    const rowKey = `${address}\u0000${keyId ?? ""}\u0000${reason}`;
    const row = this.#pending.get(rowKey);
    this.#pendingTotal++;
    if (row) {
      row.count++;
      row.lastAt = now;
    } else if (this.#pending.size < MAX_ROWS_PER_FLUSH) {
      this.#pending.set(rowKey, {
        address,
        keyId: keyId ?? null,
        reason,
        count: 1,
        firstAt: now,
        lastAt: now,
      });
    } else {
      const overflow = this.#pending.get("overflow");
      if (overflow) {
        overflow.count++;
        overflow.lastAt = now;
      } else {
        this.#pending.set("overflow", {
          address: "*",
          keyId: null,
          reason: "overflow",
          count: 1,
          firstAt: now,
          lastAt: now,
        });
      }
    }
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), AUTH_FAILURE_FLUSH_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  /** Writes the coalesced rows and one log line; drops expired windows. */
  async flush(now = Date.now()): Promise<void> {
    for (const map of [this.#byAddress, this.#byKeyId]) {
      for (const [id, window] of map) if (now - window.startedAt >= WINDOW_MS) map.delete(id);
    }
    if (this.#pending.size === 0) return;
    const rows = [...this.#pending.values()];
    const total = this.#pendingTotal;
    this.#pending = new Map();
    this.#pendingTotal = 0;
    this.#log.warn("failed authentications", {
      failures: total,
      addresses: new Set(rows.map((row) => row.address)).size,
      top: rows
        .sort((a, b) => b.count - a.count)
        .slice(0, 3)
        .map((row) => ({ address: row.address, keyId: row.keyId, reason: row.reason, count: row.count })),
    });
    await this.#write(rows).catch((error: unknown) => {
      this.#log.error("could not write failed authentications to the audit", { rows: rows.length, error });
    });
  }
}

function waitOf(window: Window | undefined, limit: number, now: number): number {
  if (!window || now - window.startedAt >= WINDOW_MS || window.count < limit) return 0;
  return window.startedAt + WINDOW_MS - now;
}

function count(map: Map<string, Window>, id: string, now: number): void {
  const window = map.get(id);
  if (window && now - window.startedAt < WINDOW_MS) {
    window.count++;
    return;
  }
  map.delete(id);
  map.set(id, { startedAt: now, count: 1 });
  if (map.size > MAX_COUNTERS) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}
