const OPEN_COMMENT = new TextEncoder().encode(": open\n\n");

/**
 * Sends an SSE comment first on a GET event stream. Bun holds back the headers of a streamed response until
 * its first chunk (PITFALLS.md §2), so without this a client waits for the first event or keep-alive (15 s)
 * before it even sees the stream open.
 */
export function primeEventStream(response: Response): Response {
  if (!response.body || !response.headers.get("content-type")?.includes("text/event-stream")) return response;
  const primed = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        controller.enqueue(OPEN_COMMENT);
      },
    }),
  );
  return new Response(primed, { status: response.status, headers: response.headers });
}
