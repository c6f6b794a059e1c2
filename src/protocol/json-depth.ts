/**
 * Whether JSON text nests arrays/objects deeper than `limit`, counted on the text before anything parses it:
 * parsing a value 100k levels deep holds the event loop for a third of a second, and encoding it again throws
 * only after seconds. Strings are skipped (escapes honoured). One pass without allocation; text no longer than
 * the limit cannot exceed it and is not scanned.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  if (text.length <= limit || !hasMoreOpenings(text, limit)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/**
 * Whether the text holds more than `limit` opening brackets: without that many it cannot nest deeper. Counted
 * with the engine's native `indexOf`, so an ordinary frame (a few brackets, any length) costs next to nothing
 * even before the scan above has been compiled.
 */
function hasMoreOpenings(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ["[", "{"]) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) {
      if (++count > limit) return true;
    }
  }
  return false;
}

/** Runs the scan until the engine has compiled it, so the first deep frame in production is not the slow one. */
export function warmJsonDepth(): void {
  // Many brackets (so the scan runs) but shallow (so it runs to the end).
  const wide = `[${"[],".repeat(4000)}[]]`;
  for (let i = 0; i < 50; i++) jsonDepthExceeds(wide, 100);
}
