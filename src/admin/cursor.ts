/**
 * Opaque list cursors: the sort key of the last item of a page, as base64url JSON. Callers only hand them back;
 * a cursor that does not decode to the expected shape is the caller's mistake (`VALIDATION_ERROR` naming
 * `query.cursor`), never a server error.
 */
import { HubError } from "../protocol/index.ts";

/** Encodes the sort key of a page's last item (strings only: timestamps travel as Postgres text, exactly). */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/** Decodes a cursor made by `encodeCursor` with `arity` parts; throws `VALIDATION_ERROR` for anything else. */
export function decodeCursor(cursor: string, arity: number): string[] {
  const invalid = () => new HubError("VALIDATION_ERROR", "query.cursor: not a cursor from this list");
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw invalid();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(key) || key.length !== arity || !key.every((part) => typeof part === "string")) {
    throw invalid();
  }
  return key as string[];
}

/** Postgres `timestamptz::text` (`2026-12-06 20:11:46.123456+00`), the exact form cursors carry. */
const PG_TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/;

/** Checks that a decoded cursor part is a Postgres timestamp text; `VALIDATION_ERROR` otherwise. */
export function cursorTimestamp(part: string): string {
  if (!PG_TIMESTAMP_TEXT.test(part)) {
    throw new HubError("VALIDATION_ERROR", "query.cursor: not a cursor from this list");
  }
  return part;
}
