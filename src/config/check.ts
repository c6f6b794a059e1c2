import type { TSchema } from "@sinclair/typebox";
import { Value, type ValueError, ValueErrorType } from "@sinclair/typebox/value";
import { ConfigError } from "../errors.ts";
import { type HubConfig, HubConfigSchema } from "./schema.ts";

/** How many problems one `ConfigError` lists before summarising the rest. */
export const MAX_LISTED_PROBLEMS = 10;

/** Members whose value is secret by name, whatever section they are in. */
const SECRET_KEY = /password|secret|token|url|encryptionKeys|postgres|redis|endpoint/i;

/** One schema problem: where, and what was expected. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Applies defaults to a decrypted config document and checks it against `HubConfigSchema`. Returns the resolved
 * config or throws one `ConfigError` listing up to ten problems, one per line (`<file>: <path>: <problem>`).
 * Values under `secretPaths` (the ones that were encrypted), and members named like secrets, are described by
 * type only.
 */
export function checkConfigDocument(
  document: unknown,
  file: string,
  secretPaths: readonly string[],
): HubConfig {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new ConfigError(`${file}: the config must be a JSON object`, { file });
  }
  const resolved = Value.Default(HubConfigSchema, structuredClone(document));
  const problems = findProblems(HubConfigSchema, resolved, "", secretPaths);
  if (problems.length === 0) return resolved as HubConfig;
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `${file}: ${p.path}: ${p.message}`);
  if (problems.length > MAX_LISTED_PROBLEMS) {
    lines.push(`${file}: … and ${problems.length - MAX_LISTED_PROBLEMS} more problems`);
  }
  throw new ConfigError(lines.join("\n"), { file, path: problems[0]?.path });
}

/** The schema problems of `value` (one per path), with union errors resolved to the closest variant. */
export function findProblems(
  schema: TSchema,
  value: unknown,
  base: string,
  secretPaths: readonly string[],
): ConfigProblem[] {
  const byPath = new Map<string, string>();
  for (const error of Value.Errors(schema, value)) {
    const path = `${base}${error.path}`;
    if (byPath.has(path)) continue;
    if (error.type === ValueErrorType.Union) {
      for (const inner of explainUnion(error, path, secretPaths)) {
        if (!byPath.has(inner.path)) byPath.set(inner.path, inner.message);
      }
      continue;
    }
    byPath.set(path, explain(error, path, secretPaths));
  }
  return [...byPath].map(([path, message]) => ({ path: path === "" ? "/" : path, message }));
}

function explain(error: ValueError, path: string, secretPaths: readonly string[]): string {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return "unknown key";
  if (error.type === ValueErrorType.ObjectRequiredProperty) return "required key is missing";
  const expected = error.message.charAt(0).toLowerCase() + error.message.slice(1);
  return `${expected}, got ${describe(error.value, path, secretPaths)}`;
}

/** A union of literals lists its choices; a union of objects reports the problems of the closest variant. */
function explainUnion(error: ValueError, path: string, secretPaths: readonly string[]): ConfigProblem[] {
  const variants = (error.schema.anyOf ?? []) as TSchema[];
  if (variants.length > 0 && variants.every((variant) => variant.const !== undefined)) {
    const choices = variants.map((variant) => JSON.stringify(variant.const)).join(", ");
    return [{ path, message: `expected one of ${choices}, got ${describe(error.value, path, secretPaths)}` }];
  }
  // The closest variant is the one that knows most of the value's keys (then: the fewest problems), checked
  // with its own defaults applied, so that "url or host" forms get the right complaint.
  let best: { known: number; problems: ConfigProblem[] } | undefined;
  for (const variant of variants) {
    const candidate = Value.Default(variant, structuredClone(error.value));
    const problems = findProblems(variant, candidate, path, secretPaths);
    const known = countKnownKeys(variant, error.value);
    if (
      best === undefined ||
      known > best.known ||
      (known === best.known && problems.length < best.problems.length)
    ) {
      best = { known, problems };
    }
  }
  if (best && best.problems.length > 0) return best.problems;
  return [{ path, message: "does not match any allowed form" }];
}

function countKnownKeys(schema: TSchema, value: unknown): number {
  const properties = schema.properties as Record<string, unknown> | undefined;
  if (!properties || value === null || typeof value !== "object") return 0;
  return Object.keys(value).filter((key) => Object.hasOwn(properties, key)).length;
}

function describe(value: unknown, path: string, secretPaths: readonly string[]): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const hidden =
    SECRET_KEY.test(path.slice(path.lastIndexOf("/") + 1)) ||
    // Every value under a `headers` map may be a credential (`telemetry.otlp.headers.Authorization`).
    path.includes("/headers/") ||
    secretPaths.some((secret) => path === secret || path.startsWith(`${secret}/`));
  if (hidden) return `a ${typeof value} (value hidden)`;
  if (typeof value === "string")
    return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
  return String(value);
}
