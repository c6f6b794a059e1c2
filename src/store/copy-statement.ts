/** `copy "table" ("a", "b") from <source>`, identifiers quoted (they are constants of the caller's, never input). */
export function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `copy ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) from ${source}`;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Settles with `work`, or rejects once `timeoutMs` has passed (then calls `onTimeout`). */
export async function within<T>(
  work: Promise<T>,
  timeoutMs: number,
  what: string,
  onTimeout?: (error: Error) => void,
): Promise<T> {
  // Work abandoned here may still reject later; that must not become an unhandled rejection.
  work.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${what} did not finish within ${timeoutMs} ms`);
      onTimeout?.(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
