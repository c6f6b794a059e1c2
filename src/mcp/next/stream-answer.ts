const encoder = new TextEncoder();
const KEEP_ALIVE_MS = 15_000;
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");

/**
 * The event-stream answer of one request of the 2026-07-28 wire: notifications (progress, log messages) and
 * then the final answer, with keep-alives between. Notifications that arrive before the stream is opened are
 * held and sent first; `opened` settles with the first of them, so the caller knows a stream is wanted.
 */
export class EventStreamAnswer {
  readonly #held: string[] = [];
  readonly #wanted = Promise.withResolvers<"stream">();
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #open = false;
  #closed = false;
  #onCancel: (() => void) | undefined;

  /** Settles with `"stream"` once a notification asks for the stream. */
  get opened(): Promise<"stream"> {
    return this.#wanted.promise;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Sends (or holds, until `open`) one notification. */
  notify(message: object): void {
    const event = sseEvent(JSON.stringify(message));
    if (this.#controller) this.#enqueue(encoder.encode(event));
    else {
      this.#held.push(event);
      this.#wanted.resolve("stream");
    }
  }

  /** The streamed response: held notifications first, keep-alives until `finish`. */
  open(): Response {
    this.#open = true;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
        // Bun sends the headers with the first chunk (PITFALLS.md §2).
        controller.enqueue(encoder.encode(": open\n\n"));
        for (const event of this.#held.splice(0)) controller.enqueue(encoder.encode(event));
        this.#keepAlive = setInterval(() => this.#enqueue(KEEP_ALIVE), KEEP_ALIVE_MS);
      },
      cancel: () => {
        this.#closed = true;
        clearInterval(this.#keepAlive);
        this.#onCancel?.();
      },
    });
    return new Response(body, {
      status: 200,
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  }

  /** Sends the final answer and ends the stream. */
  finish(answer: string): void {
    clearInterval(this.#keepAlive);
    this.#enqueue(encoder.encode(sseEvent(answer)));
    if (this.#closed || !this.#controller) return;
    this.#closed = true;
    try {
      this.#controller.close();
    } catch {
      // The client dropped the stream already.
    }
  }

  /** Calls `listener` when the client drops the stream. */
  onCancel(listener: () => void): void {
    this.#onCancel = listener;
  }

  /** Ends the stream without a final answer (the hub is stopping). */
  end(): void {
    clearInterval(this.#keepAlive);
    if (this.#closed || !this.#controller) return;
    this.#closed = true;
    try {
      this.#controller.close();
    } catch {
      // Already gone.
    }
  }

  #enqueue(bytes: Uint8Array): void {
    if (this.#closed || !this.#controller) return;
    try {
      this.#controller.enqueue(bytes);
    } catch {
      // Closed or cancelled.
    }
  }
}

function sseEvent(data: string): string {
  return `event: message\ndata: ${data}\n\n`;
}
