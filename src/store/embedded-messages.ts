/**
 * The messages between the hub's thread and the embedded store's worker (`embedded-worker.ts`). Each request
 * carries an id; the worker answers every request exactly once with a `Reply` of the same id.
 */

/** Where the worker finds PGlite's embedded assets (paths into the binary, readable from any thread). */
export interface PgliteAssetPaths {
  wasm: string;
  initdb: string;
  data: string;
}

export type WorkerRequest =
  | { id: number; op: "open"; dataDir: string; assets: PgliteAssetPaths }
  /** `tx`: run inside that open transaction (0: outside any). */
  | { id: number; op: "query"; tx: number; sql: string; params: unknown[]; rowMode: "array" | "object" }
  /** Opens a transaction; the reply's `tx` names it for the queries and the `end` that follow. */
  | { id: number; op: "begin" }
  | { id: number; op: "end"; tx: number; commit: boolean }
  | { id: number; op: "copy"; statement: string; chunks: readonly string[] }
  | { id: number; op: "close" };

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
  detail?: string;
  hint?: string;
  constraint?: string;
  table?: string;
  column?: string;
}

export type WorkerReply =
  | { id: number; ok: true; result?: QueryResult; tx?: number }
  | { id: number; ok: false; error: ErrorData };

/** The error fields that cross the thread boundary (the rest of an Error object does not clone). */
export function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & Partial<Record<keyof ErrorData, unknown>>;
  const data: ErrorData = { message: e.message, name: e.name };
  for (const key of ["code", "detail", "hint", "constraint", "table", "column"] as const) {
    if (typeof e[key] === "string") data[key] = e[key] as string;
  }
  return data;
}

/** The database error a reply carried, as an Error with the same fields (SQLSTATE in `code`). */
export function toError(data: ErrorData): Error {
  const { message, name, ...fields } = data;
  const error = Object.assign(new Error(message), fields);
  if (name && name !== "Error") error.name = name;
  return error;
}
