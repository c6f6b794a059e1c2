/**
 * Whether `name` matches the glob `pattern` as a whole: `*` matches any run of characters (including none and
 * including dots), `?` exactly one character, everything else itself. Used for a key's `spokeNames` and
 * `operations` lists.
 */
export function matchesGlob(pattern: string, name: string): boolean {
  // Iterative wildcard matching with one backtrack point: linear-ish, no regex built from user input.
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const c = pattern[p];
    if (c === "?" || (c !== undefined && c !== "*" && c === name[n])) {
      p++;
      n++;
    } else if (c === "*") {
      starP = p++;
      starN = n;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Whether `name` matches at least one of `patterns`. */
export function matchesAnyGlob(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => matchesGlob(pattern, name));
}
