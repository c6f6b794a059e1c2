/**
 * Whether JSON text nests arrays/objects deeper than `limit`, counted on the text before anything parses it:
 * parsing a value 100k levels deep holds the event loop for a third of a second, and encoding it again throws
 * only after seconds. Strings are skipped (escapes honoured). One pass without allocation; text no longer than
 * the limit cannot exceed it and is not scanned.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  if (text.length <= limit) return false;
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
