/**
 * The pending-calls table of one connection: calls this spoke made through the hub. Every entry settles
 * exactly once; on disconnect `rejectAll` settles them all at once.
 */
import {
  type CallRequestedPayload,
  type Frame,
  type FramePayloads,
  type FrameType,
  HubError,
  type TraceContext,
} from "../protocol/index.ts";
import type { CallOptions, SubscribeOptions } from "./types.ts";

/** Sends one frame; returns why it could not be sent, or `undefined` when it was. */
export type FrameSender = <T extends FrameType>(
  type: T,
  id: string,
  payload: FramePayloads[T],
) => HubError | undefined;

interface Entry {
  operation: string;
  responded(output: unknown): void;
  completed(): void;
  progress?: CallOptions["progress"];
  log?: CallOptions["log"];
  failed(error: HubError): void;
}

type ReplyFrame = Frame<
  "call.responded" | "call.completed" | "call.progress" | "call.log" | "call.error" | "call.aborted"
>;

function abortError(operation: string, signal: AbortSignal): HubError {
  return new HubError("ABORTED", `call to "${operation}" was aborted`, { cause: signal.reason });
}

/** Calls in flight from this side, keyed by `requestId`. */
export class PendingCalls {
  #entries = new Map<string, Entry>();
  readonly #send: FrameSender;

  constructor(send: FrameSender) {
    this.#send = send;
  }

  #idleWaiters: (() => void)[] = [];

  /** Number of calls and subscriptions awaiting their end. */
  get size(): number {
    return this.#entries.size;
  }

  /** Starts a call and resolves with its first output; see `Spoke.call`. */
  call(
    operation: string,
    input: unknown,
    options: CallOptions = {},
    parent?: string,
    trace: TraceContext | undefined = options.trace,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const { signal, timeoutMs } = options;
      if (signal?.aborted) return reject(abortError(operation, signal));
      const requestId = globalThis.crypto.randomUUID();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (finish: () => void) => {
        if (!this.#remove(requestId)) return;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        finish();
      };
      const giveUp = (error: HubError, reason: string) => {
        if (!this.#entries.has(requestId)) return;
        this.#send("call.aborted", requestId, { requestId, reason });
        settle(() => reject(error));
      };
      const onAbort = () => giveUp(abortError(operation, signal as AbortSignal), "aborted by caller");
      this.#entries.set(requestId, {
        operation,
        responded: (output) => settle(() => resolve(output)),
        completed: () => settle(() => resolve(undefined)),
        progress: options.progress,
        log: options.log,
        failed: (error) => settle(() => reject(error)),
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeoutMs !== undefined) {
        const error = new HubError("TIMEOUT", `call to "${operation}" took longer than ${timeoutMs} ms`);
        timer = setTimeout(() => giveUp(error, "timeout"), timeoutMs);
      }
      const payload = requestPayload(
        requestId,
        operation,
        input,
        timeoutMs,
        parent,
        !!options.progress,
        trace,
      );
      const unsent = this.#send("call.requested", requestId, payload);
      if (unsent) settle(() => reject(unsent));
    });
  }

  /** A subscription: each iteration starts one call; `return()` (leaving a loop) aborts it. */
  subscribe(
    operation: string,
    input: unknown,
    options: SubscribeOptions = {},
    parent?: string,
    trace: TraceContext | undefined = options.trace,
  ) {
    return { [Symbol.asyncIterator]: () => this.#stream(operation, input, options.signal, parent, trace) };
  }

  #stream(
    operation: string,
    input: unknown,
    signal?: AbortSignal,
    parent?: string,
    trace?: TraceContext,
  ): AsyncIterator<unknown> {
    const requestId = globalThis.crypto.randomUUID();
    const items: unknown[] = [];
    let ended = false;
    let failure: HubError | undefined;
    let wake: (() => void) | undefined;
    const end = (error?: HubError) => {
      if (ended) return;
      ended = true;
      failure = error;
      this.#remove(requestId);
      signal?.removeEventListener("abort", onAbort);
      wake?.();
    };
    const onAbort = () => {
      if (!ended) this.#send("call.aborted", requestId, { requestId, reason: "aborted by caller" });
      end(abortError(operation, signal as AbortSignal));
    };
    if (signal?.aborted) {
      end(abortError(operation, signal));
    } else {
      this.#entries.set(requestId, {
        operation,
        responded: (output) => {
          items.push(output);
          wake?.();
        },
        completed: () => end(),
        failed: (error) => end(error),
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      const unsent = this.#send(
        "call.requested",
        requestId,
        requestPayload(requestId, operation, input, undefined, parent, false, trace),
      );
      if (unsent) end(unsent);
    }
    return {
      next: async () => {
        while (items.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
        if (items.length > 0) return { done: false, value: items.shift() };
        const error = failure;
        failure = undefined;
        if (error) throw error;
        return { done: true, value: undefined };
      },
      return: async () => {
        if (!ended) this.#send("call.aborted", requestId, { requestId, reason: "subscriber stopped" });
        end();
        items.length = 0;
        return { done: true, value: undefined };
      },
    };
  }

  /** Routes a reply frame to its call; false when no call of ours has that id (late or foreign). */
  handle(frame: ReplyFrame): boolean {
    const entry = this.#entries.get(frame.id);
    if (!entry) return false;
    switch (frame.type) {
      case "call.responded":
        entry.responded(frame.payload.output);
        break;
      case "call.completed":
        entry.completed();
        break;
      case "call.progress": {
        const { progress, total, message } = frame.payload;
        entry.progress?.({
          progress,
          ...(total === undefined ? {} : { total }),
          ...(message ? { message } : {}),
        });
        break;
      }
      case "call.log": {
        const { level, data, logger } = frame.payload;
        entry.log?.({ level, data, ...(logger === undefined ? {} : { logger }) });
        break;
      }
      case "call.error": {
        const { code, message, details } = frame.payload;
        entry.failed(new HubError(code, message, details === undefined ? undefined : { details }));
        break;
      }
      case "call.aborted":
        entry.failed(new HubError("ABORTED", `the hub aborted the call to "${entry.operation}"`));
        break;
    }
    return true;
  }

  /** Fails one call, e.g. when the hub rejected its frame; false when unknown. */
  fail(requestId: string, error: HubError): boolean {
    const entry = this.#entries.get(requestId);
    entry?.failed(error);
    return entry !== undefined;
  }

  /** Resolves when no call or subscription is pending. */
  idle(): Promise<void> {
    if (this.#entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #remove(requestId: string): boolean {
    const removed = this.#entries.delete(requestId);
    if (removed && this.#entries.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    return removed;
  }

  /** Settles every call with `error` (built per call, so each message names its operation). */
  rejectAll(error: (operation: string) => HubError): void {
    for (const entry of [...this.#entries.values()]) entry.failed(error(entry.operation));
  }
}

function requestPayload(
  requestId: string,
  operation: string,
  input: unknown,
  timeoutMs?: number,
  parent?: string,
  progress?: boolean,
  trace?: TraceContext,
): CallRequestedPayload {
  // JSON has no `undefined`; an operation without input gets an empty object.
  const payload: CallRequestedPayload = { requestId, operation, input: input === undefined ? {} : input };
  if (timeoutMs !== undefined) payload.deadline = Date.now() + timeoutMs;
  if (parent !== undefined) payload.parentRequestId = parent;
  if (progress) payload.progress = true;
  if (trace !== undefined) payload.trace = trace;
  return payload;
}
