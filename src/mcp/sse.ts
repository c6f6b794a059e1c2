const OPEN_COMMENT = new TextEncoder().encode(": open\n\n");

/**
 * Hands out `response` and calls `done` once it is finished: at once for a plain answer, when the body ends or
 * the client drops it for an event stream (a call still running or a GET stream keeps its session in use).
 * An event stream also starts with an SSE comment: Bun holds back the headers of a streamed response until its
 * first chunk (PITFALLS.md §2), so without it a client waits for the first event or keep-alive (15 s) before it
 * even sees the stream open.
 * `clientGone` (the request's signal) ends the use too: a client that drops its request before the stream is
 * first read leaves a body nobody pulls or cancels, and the session would stay in use for ever.
 */
export function trackResponse(response: Response, done: () => void, clientGone?: AbortSignal): Response {
  const body = response.body;
  if (!body || !response.headers.get("content-type")?.includes("text/event-stream")) {
    done();
    return response;
  }
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done();
  };
  const reader = body.getReader();
  if (clientGone) {
    if (clientGone.aborted) finish();
    else clientGone.addEventListener("abort", finish, { once: true });
  }
  const tracked = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(OPEN_COMMENT);
    },
    async pull(controller) {
      try {
        const { value, done: ended } = await reader.read();
        if (ended) {
          finish();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
  return new Response(tracked, { status: response.status, headers: response.headers });
}
