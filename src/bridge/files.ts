/**
 * The small files the bridge reads secrets from, so that none is on argv or in its environment: the hub key
 * (`--key-file`), the child's environment (`--env-file`, `KEY=value` lines) and HTTP headers (`--header-file`,
 * `Name: value` lines). Errors name the file and line, never a value.
 */
import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "../errors.ts";

function read(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

/** Whether a file holding a secret can be read by group or others (worth a warning). */
export function readableByOthers(path: string): boolean {
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/** The API key in `path` (surrounding whitespace removed); refuses an empty file. */
export function readKeyFile(path: string): string {
  const key = read(path, "key file").trim();
  if (key.length === 0) throw new ConfigError(`the key file ${path} is empty`);
  return key;
}

/** Each meaningful line (blank lines and `#` comments skipped) matched against `pattern`: [name, value]. */
function pairs(path: string, what: string, pattern: RegExp, expected: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [index, raw] of read(path, what).split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = pattern.exec(line);
    if (!match) throw new ConfigError(`${path} line ${index + 1}: expected ${expected}`);
    out.push([match[1] as string, match[2] as string]);
  }
  return out;
}

/** `KEY=value` lines (blank lines and `#` comments skipped; optional `export `; quotes around a value removed). */
export function readEnvFile(path: string): Record<string, string> {
  const entries = pairs(path, "env file", /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/, "KEY=value");
  return Object.fromEntries(
    entries.map(([key, value]) => [key, /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value]),
  );
}

/** `Name: value` lines (blank lines and `#` comments skipped). */
export function readHeaderFile(path: string): Record<string, string> {
  return Object.fromEntries(
    pairs(path, "header file", /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(.*)$/, '"Name: value"'),
  );
}
