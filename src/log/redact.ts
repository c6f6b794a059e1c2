/**
 * Scrubbing of secrets from anything that reaches a log line. Keys look like `alk_<12 id chars>_<secret>`:
 * the public id may stay (it identifies the key), the secret part never does.
 */

const API_KEY_PATTERN = /\balk_([A-Za-z0-9]{12})_[A-Za-z0-9_-]+/g;
const BEARER_PATTERN = /\b(Bearer)\s+[^\s"',]+/gi;
const SECRET_FIELD_PATTERN = /^(authorization|password|secret|token|key|masterkey|apikey|cookie)$/i;

export const REDACTED = "[redacted]";

/** Replaces key secrets and bearer credentials inside free text. */
export function redactText(text: string): string {
  return text.replace(API_KEY_PATTERN, "alk_$1_***").replace(BEARER_PATTERN, `$1 ${REDACTED}`);
}

/** Deep copy of `value` with secret-looking fields and key material removed. Cycles become "[cycle]". */
export function redactValue(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === "string") return redactText(value);
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[cycle]";
  seen.add(value);
  if (value instanceof Error) return redactError(value, seen);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
  const out: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value)) {
    out[field] = SECRET_FIELD_PATTERN.test(field) ? REDACTED : redactValue(inner, seen);
  }
  return out;
}

function redactError(error: Error, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: redactText(error.message) };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (error.cause !== undefined) out.cause = redactValue(error.cause, seen);
  return out;
}
