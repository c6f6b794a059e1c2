/**
 * Tool names ↔ operation names (docs/upstreams.md › Name mapping). MCP allows tool names that are not valid
 * operation names (a leading digit or `_`, characters such as `/` or spaces, empty or over-long segments). A
 * valid name is kept as it is, unless it starts with `x_`; any other is encoded reversibly into one segment: `x_`
 * followed by the name with every character outside `[A-Za-z0-9-]` written as `_` + its UTF-8 bytes in two
 * lowercase hex digits each. So every name starting with `x_` is an encoding, and decoding is exact.
 */
import { MAX_SEGMENT_LENGTH, validateOperationName } from "../protocol/index.ts";

/** Prefix of an encoded tool name. */
export const ENCODED_PREFIX = "x_";

/** The operation (local) name of tool `tool`, or why it has none. */
export function operationNameOf(tool: string): { ok: true; name: string } | { ok: false; error: string } {
  if (validateOperationName(tool).ok && !tool.startsWith(ENCODED_PREFIX)) return { ok: true, name: tool };
  if (tool.length === 0) return { ok: false, error: "the tool has an empty name" };
  let encoded = ENCODED_PREFIX;
  for (const byte of new TextEncoder().encode(tool)) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9-]/.test(char) ? char : `_${byte.toString(16).padStart(2, "0")}`;
  }
  if (encoded.length > MAX_SEGMENT_LENGTH) {
    return {
      ok: false,
      error:
        `tool name ${JSON.stringify(tool)} is not a valid operation name and its encoding ` +
        `(${encoded.length} characters) is longer than ${MAX_SEGMENT_LENGTH}`,
    };
  }
  return { ok: true, name: encoded };
}

/** The tool name an operation name stands for (the inverse of `operationNameOf`). */
export function toolNameOf(operation: string): string {
  if (!operation.startsWith(ENCODED_PREFIX)) return operation;
  const body = operation.slice(ENCODED_PREFIX.length);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "_" && /^[0-9a-f]{2}$/.test(body.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(body.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
