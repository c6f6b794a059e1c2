/**
 * The string formats the API's schemas use, registered with TypeBox (which refuses every unregistered format
 * as unknown). Registration is global and idempotent; `list.ts` runs it on import, so any route module has it.
 */
import { FormatRegistry } from "@sinclair/typebox";

/** RFC 3339 date-time (`2027-01-31T12:00:00Z`, offsets and fractions allowed). */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/** Whether `value` is an RFC 3339 date-time that names a real instant. */
export function isDateTime(value: string): boolean {
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/** Registers `date-time` (once). */
export function registerFormats(): void {
  if (!FormatRegistry.Has("date-time")) FormatRegistry.Set("date-time", isDateTime);
}
