/**
 * The Drizzle schema of every first-version table (ARCHITECTURE.md › Stores). Postgres and PGlite share it and
 * the migrations generated from it (`drizzle/`, append-only). Conventions: text UUID ids (except `api_keys.id`,
 * the public 12-character key id), `created_at`/`updated_at` timestamptz, jsonb `metadata` defaulting to `{}`.
 */
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";

const id = () => text("id").primaryKey().default(sql`gen_random_uuid()::text`);
const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => at("created_at").notNull().defaultNow();
const updatedAt = () =>
  at("updated_at")
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
const metadata = () => jsonb("metadata").$type<Record<string, unknown>>().notNull().default({});
const textArray = (name: string) => text(name).array();

/** Tenants: every key, spoke and client belongs to one. */
export const accounts = pgTable("accounts", {
  id: id(),
  name: text("name").notNull().unique(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  metadata: metadata(),
});

/** API keys. Holds the public id and the hex SHA-256 of the whole key, never the key (SECURITY.md). */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    scopes: textArray("scopes").notNull(),
    spokeNames: textArray("spoke_names").notNull().default(sql`'{}'::text[]`),
    operations: textArray("operations").notNull().default(sql`'{*}'::text[]`),
    enabled: boolean("enabled").notNull().default(true),
    expiresAt: at("expires_at"),
    revokedAt: at("revoked_at"),
    lastUsedAt: at("last_used_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    metadata: metadata(),
  },
  (t) => [index("api_keys_account_id_idx").on(t.accountId)],
);

/**
 * The admin audit (audit/admin-log.ts): who created or revoked an API key (`key.create`, `key.revoke`) and who set
 * or deleted a client secret (`secret.set`, `secret.delete`). Calls have their own table, `calls`.
 */
export const auditLogs = pgTable(
  "audit_logs",
  {
    id: id(),
    at: at("at").notNull().defaultNow(),
    actorKeyId: text("actor_key_id"),
    action: text("action").notNull(),
    target: text("target"),
    outcome: text("outcome").notNull(),
    address: text("address"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("audit_logs_at_idx").on(t.at), index("audit_logs_actor_key_id_idx").on(t.actorKeyId)],
);

/** Connected (or last connected) spokes, cluster-wide. */
export const spokes = pgTable(
  "spokes",
  {
    id: id(),
    name: text("name").notNull().unique(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    keyId: text("key_id"),
    kind: text("kind"),
    version: text("version"),
    hostInfo: jsonb("host_info").$type<Record<string, unknown>>().notNull().default({}),
    visibility: text("visibility").notNull().default("public"),
    status: text("status").$type<"online" | "offline">().notNull().default("offline"),
    instanceId: text("instance_id"),
    connectedAt: at("connected_at"),
    disconnectedAt: at("disconnected_at"),
    lastHeartbeatAt: at("last_heartbeat_at"),
    /** Set by an operator (admin API / CLI): while set, a spoke of this name is refused at registration. */
    disabledAt: at("disabled_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    metadata: metadata(),
  },
  (t) => [check("spokes_status_check", sql`${t.status} in ('online', 'offline')`)],
);

/** The operations each spoke registered; `name` is the full published name. */
export const operations = pgTable(
  "operations",
  {
    id: id(),
    spokeId: text("spoke_id")
      .notNull()
      .references(() => spokes.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    localName: text("local_name").notNull(),
    type: text("type").notNull(),
    title: text("title"),
    description: text("description"),
    tags: textArray("tags").notNull().default(sql`'{}'::text[]`),
    inputSchema: jsonb("input_schema").$type<Record<string, unknown>>().notNull().default({}),
    outputSchema: jsonb("output_schema").$type<Record<string, unknown>>(),
    annotations: jsonb("annotations").$type<Record<string, unknown>>().notNull().default({}),
    version: text("version"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("operations_spoke_id_local_name_unique").on(t.spokeId, t.localName),
    index("operations_name_idx").on(t.name),
  ],
);

/** One row per finished call, written in batches off the hot path. */
export const calls = pgTable(
  "calls",
  {
    id: id(),
    requestId: text("request_id").notNull(),
    operation: text("operation").notNull(),
    spokeName: text("spoke_name"),
    callerKeyId: text("caller_key_id"),
    outcome: text("outcome").$type<"ok" | "error" | "aborted" | "timeout">().notNull(),
    errorCode: text("error_code"),
    startedAt: at("started_at").notNull(),
    finishedAt: at("finished_at"),
    /** Whole milliseconds (finished − started, both epoch ms); a float column only so a finer clock needs no migration. */
    durationMs: doublePrecision("duration_ms"),
    inputBytes: integer("input_bytes"),
    outputBytes: integer("output_bytes"),
    instanceId: text("instance_id"),
  },
  (t) => [
    index("calls_started_at_idx").on(t.startedAt),
    index("calls_operation_idx").on(t.operation),
    check("calls_outcome_check", sql`${t.outcome} in ('ok', 'error', 'aborted', 'timeout')`),
  ],
);

/** Services the hub calls on behalf of an account; they own sealed secrets. */
export const clients = pgTable(
  "clients",
  {
    id: id(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    metadata: metadata(),
  },
  (t) => [unique("clients_account_id_name_unique").on(t.accountId, t.name)],
);

/** A client's secrets, sealed with data key `key_version` (CONFIG.md); never returned by any API. */
export const clientSecrets = pgTable(
  "client_secrets",
  {
    id: id(),
    clientId: text("client_id")
      .notNull()
      .references(() => clients.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    keyVersion: integer("key_version").notNull(),
    sealed: text("sealed").notNull(),
    /** When an upstream dial last opened this secret (at most once a minute per secret, never per call). */
    lastUsedAt: at("last_used_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [unique("client_secrets_client_id_name_unique").on(t.clientId, t.name)],
);

/**
 * MCP sessions as every instance sees them (docs/mcp.md › Sessions): when one was last used anywhere (written at
 * most once per sweep interval per session, never per call) and when it ended (DELETE or idle). An ended id is
 * answered 404 on every instance and after restarts; rows are dropped a day after their last use.
 */
export const mcpSessions = pgTable(
  "mcp_sessions",
  {
    id: text("id").primaryKey(),
    lastSeenAt: at("last_seen_at").notNull().defaultNow(),
    endedAt: at("ended_at"),
  },
  (t) => [index("mcp_sessions_last_seen_at_idx").on(t.lastSeenAt)],
);

/**
 * MCP tasks (the 2026-07-28 tasks extension, docs/mcp.md › Tasks): a long `tools/call` the hub turned into a task,
 * so its result survives the client's reconnect and any instance answers `tasks/get`. One row per task, written
 * when the task is created (before the client learns its id), when it settles and when it is cancelled — never
 * per call on the relay path. `call_request_id` names the call's row in the call audit. `result` holds the finished `CallToolResult` (bounded in size by the writer),
 * `error` the JSON-RPC error of a failed task. Rows are purged once `expires_at` has passed.
 */
export const mcpTasks = pgTable(
  "mcp_tasks",
  {
    id: text("id").primaryKey(),
    /** The key that created the task: only it may read or cancel it. */
    keyId: text("key_id").notNull(),
    operation: text("operation").notNull(),
    status: text("status").notNull(),
    result: jsonb("result"),
    error: jsonb("error"),
    /** The instance running the call (where a cancellation is delivered). */
    instanceId: text("instance_id"),
    /** The call behind the task in the call audit (`calls.request_id`; its row appears when the call ends). */
    callRequestId: text("call_request_id"),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [
    index("mcp_tasks_key_id_idx").on(t.keyId),
    index("mcp_tasks_expires_at_idx").on(t.expiresAt),
    check("mcp_tasks_status_check", sql`${t.status} in ('working', 'completed', 'failed', 'cancelled')`),
  ],
);
