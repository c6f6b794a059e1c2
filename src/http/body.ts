import { HubError, jsonDepthExceeds } from "../protocol/index.ts";

/** How much of a request body a route reads: bytes, and nesting depth (`limits.maxJsonDepth`). */
export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
}

/**
 * The request body as text, read no further than `maxBytes`: a declared `Content-Length` over the limit is
 * refused before anything is read, one within it is read whole, and a body streamed without one is counted
 * chunk by chunk and cut off at the limit (the rest is never buffered). Returns `PAYLOAD_TOO_LARGE` or the text.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string | HubError> {
  const tooLarge = () => new HubError("PAYLOAD_TOO_LARGE", `the body is larger than ${maxBytes} bytes`);
  const declared = request.headers.get("content-length");
  const length = declared === null ? Number.NaN : Number(declared);
  if (length > maxBytes) return tooLarge();
  if (Number.isSafeInteger(length)) {
    // The declared length is what the server reads, and it is within the limit: the runtime reads the body
    // natively, several times cheaper than pulling it through a stream reader (a third of /mcp's CPU).
    try {
      return await request.text();
    } catch {
      return new HubError("VALIDATION_ERROR", "the body could not be read to its end");
    }
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch {
      // The client went away, or the server's own cap cut the stream.
      return bytes >= maxBytes
        ? tooLarge()
        : new HubError("VALIDATION_ERROR", "the body could not be read to its end");
    }
    const { done, value } = chunk;
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

/**
 * Parses a JSON body, refusing one nested deeper than `maxDepth` (`limits.maxJsonDepth`), counted on the text
 * before parsing: parsing a value 100k levels deep takes the loop for a third of a second, and encoding it again
 * throws after seconds. Returns the value or a `VALIDATION_ERROR`.
 */
export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (jsonDepthExceeds(text, maxDepth)) {
    return new HubError("VALIDATION_ERROR", `the body nests deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text);
  } catch {
    return new HubError("VALIDATION_ERROR", "the body is not valid JSON");
  }
}
