import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { ConfigError, UnavailableError } from "../errors.ts";
import type { Logger } from "../log/index.ts";
import { applyMigrations, readMigrationStatus } from "./migrator.ts";
import { PostgresCopier } from "./postgres-copy.ts";
import { PostgresListener } from "./postgres-listener.ts";
import * as schema from "./schema.ts";
import type { Database, PostgresOptions, Store } from "./types.ts";

/** Pool size when the config gives none. */
export const DEFAULT_MAX_CONNECTIONS = 10;
/** How long one connection attempt may take before it fails. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** `pg_advisory_lock` key that serialises `migrate()` across processes ("alkh" as an int32). */
export const MIGRATION_LOCK_KEY = 0x616c6b68;
/**
 * How long `ping()` waits. postgres.js under Bun can lose a query sent in the instant between a socket error and
 * its close event (it never settles), so a ping must not trust the driver to answer.
 */
export const DEFAULT_PING_TIMEOUT_MS = 5_000;
/** How long `close()` lets running queries finish before it drops the connections. */
const CLOSE_TIMEOUT_S = 5;
/** Longest wait before a broken connection is opened again, in seconds (postgres.js's own cap is 20 s). */
export const MAX_RECONNECT_DELAY_S = 0.5;

/**
 * postgres.js's delay before it reopens a broken connection, in seconds, after `retries` failed attempts in a
 * row (shared by the whole pool). Its default grows as 3^retries to 20 s; during a 10 s outage under load the
 * count climbs in a second, and the pool then answered ECONNREFUSED for up to 20 s after Postgres was back.
 * Doubling from 25 ms up to half a second, with jitter, costs the pool a few refused connects a second.
 */
export function reconnectDelaySeconds(retries: number, random: () => number = Math.random): number {
  return Math.min(MAX_RECONNECT_DELAY_S, 0.025 * 2 ** retries) * (0.5 + random() / 2);
}

/**
 * Opens a Postgres store and checks it with `SELECT 1`. Tries once (the caller retries); an unreachable server
 * is an `UnavailableError` naming host:port/database, never the password.
 */
export async function openPostgresStore(options: PostgresOptions, log: Logger): Promise<Store> {
  const { target, password } = describeTarget(options);
  // migrate() reserves one connection for its lock while the migrations run on another.
  const max = Math.max(2, options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
  const common = {
    max,
    onnotice: () => {},
    connect_timeout: DEFAULT_CONNECT_TIMEOUT_MS / 1000,
    backoff: (retries: number) => reconnectDelaySeconds(retries),
  };
  const connect = (extra: Partial<postgres.Options<Record<string, never>>>) =>
    "url" in options
      ? postgres(options.url, { ...common, ...extra })
      : postgres({
          ...common,
          ...extra,
          host: options.host,
          port: options.port ?? 5432,
          user: options.user,
          password: options.password,
          database: options.database,
          ssl: options.ssl ? "require" : false,
        });
  const sql = connect({});
  try {
    await sql`select 1`;
  } catch (error) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw new UnavailableError(`cannot connect to Postgres at ${target}: ${reasonOf(error, password)}`, {
      cause: error,
    });
  }
  log.info("store opened", { kind: "postgres", target });
  const db: Database = drizzle(sql, { schema });
  // One connection of its own for every LISTEN, never recycled (a recycled one would miss NOTIFYs); postgres.js
  // reads `onnotify` from the options, as its own `listen` does, though its types leave it out.
  const listener = new PostgresListener(
    ({ onnotify, onclose }) =>
      connect({
        max: 1,
        idle_timeout: 0,
        max_lifetime: null,
        fetch_types: false,
        onclose,
        onnotify,
      } as never),
    log,
  );
  // The audit's COPY batches get a connection of their own too (postgres-copy.ts).
  const copier = new PostgresCopier(() => connect({ max: 1, fetch_types: false }));
  let closed = false;
  return {
    kind: "postgres",
    db,
    ping: () => pingWithin(sql, DEFAULT_PING_TIMEOUT_MS),
    async migrate() {
      const reserved = await sql.reserve();
      try {
        await reserved.unsafe(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
        try {
          const result = await applyMigrations(db);
          if (result.applied > 0) log.info("migrations applied", { applied: result.applied });
          return result;
        } finally {
          // If the connection died the session lock died with it; do not mask the real error.
          await reserved.unsafe(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
        }
      } finally {
        reserved.release();
      }
    },
    migrationStatus: () => readMigrationStatus(db),
    listen: (channel, onPayload, onRelisten) => listener.listen(channel, onPayload, onRelisten),
    copyFrom: (table, columns, chunks, timeoutMs) => copier.copyFrom(table, columns, chunks, timeoutMs),
    async close() {
      if (closed) return;
      closed = true;
      await copier.close(CLOSE_TIMEOUT_S);
      await listener.close();
      await sql.end({ timeout: CLOSE_TIMEOUT_S });
    },
  };
}

async function pingWithin(sql: postgres.Sql, timeoutMs: number): Promise<void> {
  const query = sql`select 1`.execute();
  // A lost query may still reject later; it must not become an unhandled rejection.
  query.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Postgres did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `host:port/database` for messages, and the password so it can be scrubbed from driver errors. */
function describeTarget(options: PostgresOptions): { target: string; password: string | undefined } {
  if (!("url" in options)) {
    return {
      target: `${options.host}:${options.port ?? 5432}/${options.database}`,
      password: options.password,
    };
  }
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    // The URL may carry a password: do not echo it.
    throw new ConfigError(
      "the Postgres URL is not a valid URL (expected postgres://user@host:port/database)",
    );
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(`the Postgres URL must start with postgres:// (got ${url.protocol}//)`);
  }
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  return { target: `${url.hostname}:${url.port || 5432}${url.pathname}`, password };
}

function reasonOf(error: unknown, password: string | undefined): string {
  const text = error instanceof Error ? error.message : String(error);
  return password ? text.replaceAll(password, "***") : text;
}
