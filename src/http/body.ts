import { HubError } from "../protocol/index.ts";

/**
 * The request body as text, read no further than `maxBytes`: a declared `Content-Length` over the limit is
 * refused before anything is read, and a body streamed without one is counted chunk by chunk and cut off at
 * the limit (the rest is never buffered). Returns `PAYLOAD_TOO_LARGE` or the text.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string | HubError> {
  const tooLarge = () => new HubError("PAYLOAD_TOO_LARGE", `the body is larger than ${maxBytes} bytes`);
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {});
      return tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** Nesting depth past which a JSON body is refused: deeper values make `JSON.stringify` throw later. */
export const MAX_JSON_DEPTH = 256;

/**
 * Parses a JSON body, refusing one nested deeper than `MAX_JSON_DEPTH` (counted on the text in one linear
 * pass, before parsing). Returns the value or a `VALIDATION_ERROR`.
 */
export function parseJsonBody(text: string): unknown {
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    return new HubError("VALIDATION_ERROR", `the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(text);
  } catch {
    return new HubError("VALIDATION_ERROR", "the body is not valid JSON");
  }
}

/** Whether the JSON text nests arrays/objects deeper than `limit` (strings are skipped, escapes honoured). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
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
