/**
 * Operation and spoke name rules (PROTOCOL.md › Operation names). A spoke registers local names such as
 * `fs.readFile`; the hub publishes them as `<spoke>.<local>` and routes on the first segment.
 */
import { HubError } from "./errors.ts";

/** Longest segment, in characters. */
export const MAX_SEGMENT_LENGTH = 48;

/** Longest full (published) name, in characters; also MCP's tool-name limit. */
export const MAX_NAME_LENGTH = 128;

/** One segment of a name: a letter, then up to 47 letters, digits, `_` or `-`. */
export const SEGMENT_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,47}$/;

/** Spoke names nobody may register (compared case-insensitively). */
export const RESERVED_SPOKE_NAMES: readonly string[] = ["hub"];

/** Outcome of a name check: `error` says what is wrong, naming the offending part. */
export type NameCheck = { ok: true } | { ok: false; error: string };

/** True when `segment` is one valid name segment. */
export function isValidSegment(segment: string): boolean {
  return SEGMENT_PATTERN.test(segment);
}

function checkSegments(kind: string, name: string): NameCheck {
  if (name.length === 0) return { ok: false, error: `${kind} must not be empty` };
  if (name.length > MAX_NAME_LENGTH) {
    return {
      ok: false,
      error: `${kind} is ${name.length} characters long; at most ${MAX_NAME_LENGTH} allowed`,
    };
  }
  const segments = name.split(".");
  for (const [index, segment] of segments.entries()) {
    if (!isValidSegment(segment)) {
      return {
        ok: false,
        error:
          `${kind} ${JSON.stringify(name)}: segment ${index + 1} ${JSON.stringify(segment)} must match ` +
          `[A-Za-z][A-Za-z0-9_-]{0,47}`,
      };
    }
  }
  return { ok: true };
}

/** Checks a local operation name (`fs.readFile`, or one segment such as `test_simple_text`). */
export function validateOperationName(local: string): NameCheck {
  return checkSegments("operation name", local);
}

/** Checks a spoke name: exactly one segment and not reserved (`hub`). */
export function validateSpokeName(name: string): NameCheck {
  if (name.length > 0 && !isValidSegment(name)) {
    return {
      ok: false,
      error: `spoke name ${JSON.stringify(name)} must be one segment matching [A-Za-z][A-Za-z0-9_-]{0,47}`,
    };
  }
  const check = checkSegments("spoke name", name);
  if (!check.ok) return check;
  if (RESERVED_SPOKE_NAMES.includes(name.toLowerCase())) {
    return { ok: false, error: `spoke name ${JSON.stringify(name)} is reserved` };
  }
  return { ok: true };
}

/**
 * The name the hub publishes for a spoke's local operation: `<spoke>.<local>`.
 * Throws a `HubError` `VALIDATION_ERROR` when either part is invalid or the result exceeds 128 characters.
 */
export function publishedName(spoke: string, local: string): string {
  for (const check of [validateSpokeName(spoke), validateOperationName(local)]) {
    if (!check.ok) throw new HubError("VALIDATION_ERROR", check.error);
  }
  const name = `${spoke}.${local}`;
  if (name.length > MAX_NAME_LENGTH) {
    throw new HubError(
      "VALIDATION_ERROR",
      `published name ${JSON.stringify(name)} is ${name.length} characters long; at most ${MAX_NAME_LENGTH} allowed`,
    );
  }
  return name;
}

/**
 * The routing segment of a published name (`dev1` for `dev1.fs.readFile`, `hub` for `hub.list`);
 * `undefined` when the name has no local part or its first segment is invalid.
 */
export function spokeOf(published: string): string | undefined {
  const dot = published.indexOf(".");
  if (dot <= 0 || dot === published.length - 1) return undefined;
  const spoke = published.slice(0, dot);
  return isValidSegment(spoke) ? spoke : undefined;
}

/** The local part of a published name (`fs.readFile` for `dev1.fs.readFile`); `undefined` as for `spokeOf`. */
export function localOf(published: string): string | undefined {
  return spokeOf(published) === undefined ? undefined : published.slice(published.indexOf(".") + 1);
}

/** A whole local operation name: one or more segments joined by `.` (length is checked separately). */
export const OPERATION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,47}(\.[A-Za-z][A-Za-z0-9_-]{0,47})*$/;
