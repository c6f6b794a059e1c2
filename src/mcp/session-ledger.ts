import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { withDeadline } from "../deadline.ts";
import type { Logger } from "../log/index.ts";
import { mcpSessions, type Store, storeErrorReason } from "../store/index.ts";
import { EndedSessions } from "./ended-sessions.ts";

/** How long a session's row is kept after its last use or its end: an ended id stays refused this long. */
export const SESSION_RECORD_TTL_MS = 24 * 60 * 60_000;
/**
 * How long a request waits for the ledger before going on without it, in milliseconds: `initialize` and an
 * adoption must not hang on a database that stopped answering (docs/reliability.md › Postgres goes away).
 */
export const LEDGER_TIMEOUT_MS = 2000;

/** When a session was last used on this instance, for the ledger's `last_seen_at`. */
export interface SessionUse {
  id: string;
  /** Epoch ms. */
  at: number;
}

/** What the ledger says about a session id presented to an instance that does not hold it. */
export type SessionStanding = "live" | "ended";

/**
 * Which MCP sessions exist and which have ended, for every instance and across restarts (the `mcp_sessions`
 * table of the shared store). Writes happen at `initialize`, at DELETE, and in batches from the idle sweep —
 * never per request. Instances also tell each other of ended ids over the bus, kept in a bounded memory list
 * that answers without the store (and while it is unreachable).
 */
export class SessionLedger {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #ended = new EndedSessions(SESSION_RECORD_TTL_MS);

  constructor(store: Store, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  /** Records a new session (awaited before `initialize` is answered, so any instance can adopt it). */
  async opened(id: string): Promise<void> {
    try {
      await withDeadline(
        // Stamped now, not when the row lands: a write that lands late (a busy store) must not make the session
        // look recently used to the idle sweep, which then could not end it.
        this.#store.db.insert(mcpSessions).values({ id, lastSeenAt: new Date() }).onConflictDoNothing(),
        LEDGER_TIMEOUT_MS,
        "recording an MCP session",
      );
    } catch (error) {
      // Still served here; another instance will not adopt it (it looks unknown) and the client re-initialises.
      this.#log.warn("could not record a new MCP session", { error: storeErrorReason(error) });
    }
  }

  /**
   * Whether a session this instance does not hold may be adopted: ended (DELETE, idle, or its row is gone or
   * older than `idleMs`) or live. When the store is unreachable only the memory list decides.
   */
  async standing(id: string, idleMs: number): Promise<SessionStanding> {
    if (this.#ended.has(id)) return "ended";
    try {
      const [row] = await withDeadline(
        this.#store.db
          .select({ lastSeenAt: mcpSessions.lastSeenAt, endedAt: mcpSessions.endedAt })
          .from(mcpSessions)
          .where(eq(mcpSessions.id, id)),
        LEDGER_TIMEOUT_MS,
        "looking up an MCP session",
      );
      if (!row || row.endedAt) return "ended";
      if (row.lastSeenAt.getTime() < Date.now() - idleMs) {
        await this.end(id);
        return "ended";
      }
      return "live";
    } catch (error) {
      this.#log.warn("could not look up an MCP session; adopting it on its signature alone", {
        error: storeErrorReason(error),
      });
      return "live";
    }
  }

  /** Marks an id ended (DELETE); the caller tells the other instances. */
  async end(id: string): Promise<void> {
    this.#ended.add(id);
    try {
      await withDeadline(
        this.#store.db
          .insert(mcpSessions)
          .values({ id, endedAt: new Date() })
          .onConflictDoUpdate({
            target: mcpSessions.id,
            set: { endedAt: sql`coalesce(${mcpSessions.endedAt}, now())` },
          }),
        LEDGER_TIMEOUT_MS,
        "recording an ended MCP session",
      );
    } catch (error) {
      this.#log.warn("could not record an ended MCP session", { error: storeErrorReason(error) });
    }
  }

  /** Remembers an id another instance ended (heard on the bus). */
  endedElsewhere(id: string): void {
    this.#ended.add(id);
  }

  /**
   * Notes when these sessions were last used here (one UPDATE). Each keeps its own time: stamping them all with
   * the sweep's time made a session that went idle just before a sweep look used later than it was, so the
   * sweep that found it idle could not end it in the ledger (mcp-sessions' idle test failed so under load).
   * A time never moves back (another instance may have written a later one).
   */
  async seen(uses: readonly SessionUse[]): Promise<void> {
    if (uses.length === 0) return;
    const times = sql.join(
      uses.map((use) => sql`when ${use.id} then ${new Date(use.at).toISOString()}::timestamptz`),
      sql` `,
    );
    await this.#store.db
      .update(mcpSessions)
      .set({ lastSeenAt: sql`greatest(${mcpSessions.lastSeenAt}, case ${mcpSessions.id} ${times} end)` })
      .where(
        and(
          inArray(
            mcpSessions.id,
            uses.map((use) => use.id),
          ),
          isNull(mcpSessions.endedAt),
        ),
      );
  }

  /**
   * Ends those of `ids` (idle here) that no instance has used since `cutoff`; returns the ids it ended. The
   * others were used elsewhere: the caller only drops its own copy. An id without a row is written ended: its
   * row was never recorded (`opened` gave up at its deadline on a busy or unreachable store) or is gone, so no
   * other instance can hold it — and a late `opened` insert then finds the row and cannot bring it back.
   */
  async endIdle(ids: string[], cutoff: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    const endedAt = new Date();
    const rows = await this.#store.db
      .insert(mcpSessions)
      .values(ids.map((id) => ({ id, lastSeenAt: cutoff, endedAt })))
      .onConflictDoUpdate({
        target: mcpSessions.id,
        set: { endedAt },
        setWhere: and(isNull(mcpSessions.endedAt), lt(mcpSessions.lastSeenAt, cutoff)),
      })
      .returning({ id: mcpSessions.id });
    for (const row of rows) this.#ended.add(row.id);
    return rows.map((row) => row.id);
  }

  /** Drops rows past their time (`SESSION_RECORD_TTL_MS` after last use or end). */
  async purge(): Promise<void> {
    const cutoff = new Date(Date.now() - SESSION_RECORD_TTL_MS);
    await this.#store.db
      .delete(mcpSessions)
      .where(sql`coalesce(${mcpSessions.endedAt}, ${mcpSessions.lastSeenAt}) < ${cutoff}`);
  }
}
