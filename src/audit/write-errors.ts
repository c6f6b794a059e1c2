/**
 * The SQLSTATE of a driver error, looked up through `cause` chains (Drizzle wraps driver errors in
 * `DrizzleQueryError`); undefined for connection failures, which carry no SQLSTATE.
 */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * True when the database refused the data itself (SQLSTATE class 22 data exception or 23 integrity violation):
 * retrying the same rows cannot help, so they are written one by one and the bad ones dropped.
 */
export function isRowError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && (state.startsWith("22") || state.startsWith("23"));
}

/**
 * A short reason for a log line: the driver's own message, not Drizzle's wrapper, whose message repeats the
 * whole statement with every parameter of the batch.
 */
export function reasonOf(error: unknown): string {
  let e = error;
  while (e instanceof Error && "query" in e && e.cause !== undefined) e = e.cause;
  const text = e instanceof Error ? e.message || e.name : String(e);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
