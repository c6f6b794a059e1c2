/**
 * The messages between the hub's thread and the embedded store's worker (`embedded-worker.ts`). Each request
 * carries an id; the worker answers every request exactly once with a reply of the same id. Everything here is
 * plain data (structured clone): no functions, no class instances.
 */

/** Where the worker finds PGlite's embedded assets (paths into the binary, readable from any thread). */
export interface PgliteAssetPaths {
  wasm: string;
  initdb: string;
  data: string;
}

/** How a query wants its rows: objects keyed by column name, or arrays in column order (drizzle asks both). */
export type RowMode = "array" | "object";

export type WorkerRequest =
  | { id: number; op: "open"; dataDir: string; assets: PgliteAssetPaths }
  /** `tx`: run inside that open transaction (0: outside any). */
  | { id: number; op: "query"; tx: number; sql: string; params: unknown[]; rowMode: RowMode }
  /** Opens a transaction; the reply's `tx` names it for the queries and the `end` that follow. */
  | { id: number; op: "begin" }
  /** Commits (`commit: true`) or rolls back the transaction `tx`. */
  | { id: number; op: "end"; tx: number; commit: boolean }
  /** `statement` is a `COPY … FROM '/dev/blob'`; `chunks` are its input, in order. */
  | { id: number; op: "copy"; statement: string; chunks: readonly string[] }
  /** Rolls back any transaction still open, then closes PGlite (it flushes the data dir). */
  | { id: number; op: "close" };

/** The operations a request can name. */
export type WorkerOp = WorkerRequest["op"];

/** What a query answers: the fields drizzle reads from a PGlite `Results`. */
export interface QueryResult {
  rows: unknown[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
}

/** A database error as data: the message and the Postgres error fields (`code` is the SQLSTATE). */
export interface ErrorData {
  message: string;
  name?: string;
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  where?: string;
  routine?: string;
}

export type WorkerReply =
  | { id: number; ok: true; result?: QueryResult; tx?: number }
  | { id: number; ok: false; error: ErrorData };

/** The string fields of a Postgres error that cross the thread boundary besides the message and name. */
const ERROR_FIELDS = [
  "code",
  "severity",
  "detail",
  "hint",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "where",
  "routine",
] as const;

/** The fields of `error` that cross the thread boundary (an Error's class and stack do not clone). */
export function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields = error as Error & Partial<Record<(typeof ERROR_FIELDS)[number], unknown>>;
  const data: ErrorData = { message: error.message, name: error.name };
  for (const key of ERROR_FIELDS) {
    const value = fields[key];
    if (typeof value === "string") data[key] = value;
  }
  return data;
}

/**
 * The error a reply carried, rebuilt on the hub's thread as an Error with the same fields: the SQLSTATE stays in
 * `code`, so code that tells a unique violation (23505) from other failures works as it did in-thread.
 */
export function toError(data: ErrorData): Error {
  const { message, name, ...fields } = data;
  const error = Object.assign(new Error(message), fields);
  if (name && name !== "Error") error.name = name;
  return error;
}

/** True when `value` has the shape of a reply (the worker is ours, but a reply is still checked before use). */
export function isWorkerReply(value: unknown): value is WorkerReply {
  if (typeof value !== "object" || value === null) return false;
  const reply = value as { id?: unknown; ok?: unknown; error?: unknown };
  if (typeof reply.id !== "number" || typeof reply.ok !== "boolean") return false;
  return reply.ok || (typeof reply.error === "object" && reply.error !== null);
}
