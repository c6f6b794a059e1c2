/** JSON pointers (RFC 6901) over parsed JSON: how config values are addressed in errors, AAD and the CLI. */

/** Appends one key to a pointer, escaping `~` and `/`. */
export function childPointer(parent: string, key: string | number): string {
  return `${parent}/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`;
}

/**
 * Splits a pointer into keys. Returns `undefined` when `pointer` is not a pointer to a member (it must start with
 * `/`, name at least one key, and use `~` only as `~0` or `~1`).
 */
export function parsePointer(pointer: string): string[] | undefined {
  if (!pointer.startsWith("/") || /~[^01]|~$/.test(pointer)) return undefined;
  const keys = pointer
    .slice(1)
    .split("/")
    .map((key) => key.replaceAll("~1", "/").replaceAll("~0", "~"));
  return keys.some((key) => key === "") ? undefined : keys;
}

/** The value at `keys` inside `root`, or `undefined` when any step is missing. Arrays are indexed by number. */
export function getAt(root: unknown, keys: readonly string[]): unknown {
  let node = root;
  for (const key of keys) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * Sets the value at `keys` inside `root` in place. Returns false when the parent is missing or not an object
 * (arrays included: the config has no secret array members).
 */
export function setAt(root: unknown, keys: readonly string[], value: unknown): boolean {
  const parent = getAt(root, keys.slice(0, -1));
  const last = keys[keys.length - 1];
  if (last === undefined || parent === null || typeof parent !== "object" || Array.isArray(parent))
    return false;
  (parent as Record<string, unknown>)[last] = value;
  return true;
}
