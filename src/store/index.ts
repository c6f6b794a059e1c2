/**
 * The store: one Drizzle schema over Postgres (production) or embedded PGlite (default), with the migrations
 * embedded in the binary. See ARCHITECTURE.md › Stores.
 */

export { type AuditActor, writeAuditRow } from "./admin-log.ts";
export {
  type AuditLogFilter,
  type AuditLogItem,
  type AuditLogPageKey,
  queryAuditLogs,
} from "./admin-log-queries.ts";
export { DataDirInUseError, LOCK_FILE_NAME, type LockHolder } from "./data-dir-lock.ts";
export { isRowError, isStoreUnavailable, sqlStateOf, storeErrorReason } from "./errors.ts";
export { migrations } from "./migrations.gen.ts";
export { type OpenStoreOptions, openStore } from "./open.ts";
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_PING_TIMEOUT_MS,
  MIGRATION_LOCK_KEY,
} from "./postgres.ts";
export * as schema from "./schema.ts";
export {
  accounts,
  apiKeys,
  auditLogs,
  calls,
  clientSecrets,
  clients,
  mcpSessions,
  mcpTasks,
  operations,
  spokes,
} from "./schema.ts";
export type { Database, EmbeddedOptions, MigrationState, PostgresOptions, Store } from "./types.ts";
