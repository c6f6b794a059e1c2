import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema.ts";

/**
 * The Drizzle database both backends provide (postgres.js and PGlite drizzles with the full schema). Query it
 * with the query builder or `db.query.*`; results are the same on both.
 */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * How to reach a Postgres server: a URL, or its parts. `maxConnections` is the pool size (default 10; at least
 * 2, because `migrate()` holds one connection for its lock while the migrations run on another).
 */
export type PostgresOptions =
  | { url: string; maxConnections?: number }
  | {
      host: string;
      /** Default 5432. */
      port?: number;
      user: string;
      password?: string;
      database: string;
      /** Require TLS. Default false. */
      ssl?: boolean;
      maxConnections?: number;
    };

/** The embedded PGlite store: its data directory (created if missing, locked against a second process). */
export interface EmbeddedOptions {
  dataDir: string;
}

/** One migration and whether this database has it. */
export interface MigrationState {
  tag: string;
  applied: boolean;
}

/** An open database: Postgres or embedded PGlite behind the same schema. */
export interface Store {
  readonly kind: "postgres" | "embedded";
  readonly db: Database;
  /** A cheap `SELECT 1`; rejects while the database is unreachable and works again once it is back. */
  ping(): Promise<void>;
  /** Applies the embedded migrations that are missing (under an advisory lock on Postgres). */
  migrate(): Promise<{ applied: number }>;
  /** Every embedded migration, in order, with whether it has been applied. */
  migrationStatus(): Promise<MigrationState[]>;
  /**
   * Postgres `LISTEN`: calls `onPayload` with each `NOTIFY` payload on `channel`, from any process on the same
   * database, until the returned function is called. After the connection was lost it listens again by itself
   * and then calls `onRelisten` with the epoch ms it was lost at: the `NOTIFY`s sent in between are gone, so the
   * caller reads what changed since. Only the Postgres store has it (the embedded store is a single process:
   * in-process paths serve it).
   */
  listen?(
    channel: string,
    onPayload: (payload: string) => void,
    onRelisten?: (lostAt: number) => void,
  ): Promise<() => Promise<void>>;
  /**
   * Appends rows to `table` with one COPY: `FROM '/dev/blob'` in the embedded store's thread, `FROM STDIN` on a
   * Postgres connection of its own (postgres-copy.ts). `chunks` are lines of COPY text, in order; the rows
   * commit together or not at all. Rejects with the database's error (a refused row fails the whole COPY) or
   * after `timeoutMs`.
   */
  copyFrom(
    table: string,
    columns: readonly string[],
    chunks: readonly string[],
    timeoutMs: number,
  ): Promise<void>;
  /** Closes the connections (and releases the data-dir lock). Idempotent. */
  close(): Promise<void>;
}
