/**
 * One `text/event-stream` response whose writer never waits and never buffers without bound: events are
 * queued in the response's stream up to `maxBufferedBytes`; a reader that falls that far behind is dropped (the
 * stream ends), never buffered further. Runtime-neutral (`ReadableStream`, `Response`): no Elysia here.
 */

const encoder = new TextEncoder();

/** Bytes an SSE stream may hold unread before its reader counts as too slow and is dropped. */
export const DEFAULT_SSE_BUFFER_BYTES = 1024 * 1024;

/** The UTF-8 bytes of one event, encoded once and shared by every stream it goes to. */
export function sseEvent(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** An SSE comment line (`: ping`), which clients ignore and proxies see as traffic. */
export function sseComment(text: string): Uint8Array {
  return encoder.encode(`: ${text}\n\n`);
}

/** One open event stream. `send` is false once it has ended (closed, cancelled by the client, or dropped). */
export class SseStream {
  readonly response: Response;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #ended = false;
  readonly #onEnd: (reason: "closed" | "slow") => void;

  /** `onEnd` runs once, when the stream ends for any reason (`slow`: dropped for reading too slowly). */
  constructor(opts: { maxBufferedBytes?: number; onEnd: (reason: "closed" | "slow") => void }) {
    this.#onEnd = opts.onEnd;
    const body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        cancel: () => this.#end("closed"),
      },
      {
        highWaterMark: opts.maxBufferedBytes ?? DEFAULT_SSE_BUFFER_BYTES,
        size: (chunk) => chunk?.byteLength ?? 0,
      },
    );
    this.response = new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        // Proxies (nginx) must pass events on as they come.
        "x-accel-buffering": "no",
      },
    });
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Queues `chunk`; past the buffer limit the stream is dropped instead (returns false). */
  send(chunk: Uint8Array): boolean {
    const controller = this.#controller;
    if (this.#ended || !controller) return false;
    // desiredSize is the limit minus what the reader has not taken yet.
    if ((controller.desiredSize ?? 0) <= 0) {
      this.#end("slow");
      return false;
    }
    controller.enqueue(chunk);
    return true;
  }

  /** Ends the stream (the client sees the response end). */
  close(): void {
    this.#end("closed");
  }

  #end(reason: "closed" | "slow"): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      // Closed, not errored, also for a slow reader: what is queued (≤ the limit) is still delivered and then
      // the stream ends. Erroring it would free the queue sooner, but Bun prints every errored response body to
      // stderr, past the hub's logger.
      this.#controller?.close();
    } catch {
      // Already closed or errored by the runtime (client gone).
    }
    this.#onEnd(reason);
  }
}
