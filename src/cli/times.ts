import { UsageError } from "../errors.ts";

const DURATION_UNITS_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `30d`, `12h`, `90m`, `2w` from `now`, or an ISO 8601 date; must lie in the future (`--expires`). */
export function parseExpiry(text: string, now: Date, flag = "--expires"): Date {
  const at = parseWhen(text, flag, now, +1);
  if (at.getTime() <= now.getTime()) throw new UsageError(`${flag} '${text}' lies in the past`);
  return at;
}

/** `15m`, `2h`, `7d` before `now`, or an ISO 8601 date (`--since`, `--until`). */
export function parsePastTime(text: string, now: Date, flag: string): Date {
  return parseWhen(text, flag, now, -1);
}

function parseWhen(text: string, flag: string, now: Date, direction: 1 | -1): Date {
  const duration = /^(\d+)([smhdw])$/.exec(text);
  if (duration && !(direction > 0 && duration[2] === "s")) {
    const amount = Number(duration[1]);
    if (amount <= 0) throw new UsageError(`${flag} '${text}' must be a positive duration`);
    const unit = DURATION_UNITS_MS[duration[2] as string] as number;
    return new Date(now.getTime() + direction * amount * unit);
  }
  if (ISO_DATE.test(text)) {
    const at = new Date(text);
    if (Number.isNaN(at.getTime())) throw new UsageError(`${flag} '${text}' is not a valid date`);
    return at;
  }
  const units = direction > 0 ? "90m, 12h, 30d, 2w" : "30s, 15m, 12h, 7d";
  throw new UsageError(`${flag} '${text}' is neither a duration (${units}) nor an ISO date`);
}
