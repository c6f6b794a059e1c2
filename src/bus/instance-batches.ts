/**
 * Messages to one instance, published together (issue #11: cross-instance calls). Every call between instances
 * costs two messages — the call forwarded to the spoke's instance and the spoke's reply back — and each was one
 * PUBLISH: a command for node-redis to encode and settle on this instance, for Redis to parse and fan out, and
 * for the receiver's client to decode. Under load many calls leave in the same turn of the event loop, so the
 * messages sent to one instance within a turn go out as one PUBLISH, joined by NUL. No instance message
 * contains a NUL: its header fields are ids and names the hub made or checked, and its body is a JSON frame,
 * where control characters only appear escaped.
 */

/** Joins the messages of one batch. */
export const BATCH_SEPARATOR = "\0";
/**
 * A batch is published as soon as it holds this many characters: large frames gain nothing from company, and
 * one huge PUBLISH would hold Redis (and the receiver's output buffer) for everyone.
 */
export const MAX_BATCH_CHARS = 64 * 1024;

/** The messages one published text carries (a single message is a batch of one). */
export function splitBatch(text: string): string[] {
  return text.split(BATCH_SEPARATOR);
}

/** Whether a published text carries more than one message. */
export function isBatch(text: string): boolean {
  return text.includes(BATCH_SEPARATOR);
}

interface Pending {
  messages: string[];
  chars: number;
  sent: PromiseWithResolvers<void>;
}

/**
 * Collects the messages sent to each channel within one turn of the event loop and publishes each channel's
 * messages as one text when the turn ends (`setImmediate`). Every sender of a batch shares its outcome: the
 * promise resolves when the batch was handed to the transport and rejects when it could not be.
 */
export class InstanceOutbox {
  readonly #publish: (channel: string, text: string) => Promise<void>;
  #pending = new Map<string, Pending>();
  #scheduled = false;

  constructor(publish: (channel: string, text: string) => Promise<void>) {
    this.#publish = publish;
  }

  send(channel: string, message: string): Promise<void> {
    let pending = this.#pending.get(channel);
    if (pending !== undefined && pending.chars + message.length > MAX_BATCH_CHARS) {
      this.#pending.delete(channel);
      this.#send(channel, pending);
      pending = undefined;
    }
    if (pending === undefined) {
      pending = { messages: [], chars: 0, sent: Promise.withResolvers<void>() };
      this.#pending.set(channel, pending);
    }
    pending.messages.push(message);
    pending.chars += message.length + 1;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
    return pending.sent.promise;
  }

  #flush = (): void => {
    this.#scheduled = false;
    const batches = this.#pending;
    this.#pending = new Map();
    for (const [channel, pending] of batches) this.#send(channel, pending);
  };

  #send(channel: string, { messages, sent }: Pending): void {
    const text = messages.length === 1 ? messages[0]! : messages.join(BATCH_SEPARATOR);
    this.#publish(channel, text).then(sent.resolve, sent.reject);
  }
}
