/**
 * Calls the hub sends to this spoke: one entry per running handler, each with its own AbortController.
 * After an abort nothing more is sent for that call.
 */
import {
  DOMAIN_CODE_PATTERN,
  type HubCallRequestedPayload,
  HubError,
  type WireError,
} from "../protocol/index.ts";
import type { ConcurrencyGate } from "./gate.ts";
import { type OtelApi, type ServedSpan, startServedSpan } from "./otel.ts";
import type { FrameSender, PendingCalls } from "./outgoing.ts";
import type { AnyOperationDef, CallContext, SpokeLogger } from "./types.ts";

/** What served calls need from their connection and spoke. */
export interface ServeDeps {
  send: FrameSender;
  pending: PendingCalls;
  operations: ReadonlyMap<string, AnyOperationDef>;
  gate: ConcurrencyGate;
  /** The registered spoke name, so a published operation name can be mapped back to the local one. */
  spokeName: string;
  logger: SpokeLogger;
  /** `@opentelemetry/api` when loaded (tracing on): each served call gets a span. */
  otel?: OtelApi;
}

/** The wire form of whatever a handler threw: its own domain `code` if it has one, else `EXECUTION_ERROR`. */
export function toWireError(error: unknown): WireError {
  if (error instanceof HubError) return error.toWire();
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const valid = typeof code === "string" && code.length <= 64 && DOMAIN_CODE_PATTERN.test(code);
  return { code: valid ? code : "EXECUTION_ERROR", message };
}

/** Handlers running on one connection, keyed by the hub's `requestId`. */
export class ServedCalls {
  #running = new Map<string, AbortController>();
  #accepting = true;
  #idleWaiters: (() => void)[] = [];
  readonly #deps: ServeDeps;

  constructor(deps: ServeDeps) {
    this.#deps = deps;
  }

  /** Number of handlers running. */
  get size(): number {
    return this.#running.size;
  }

  /** New calls are answered `UNAVAILABLE` from now on (drain). */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /** Starts the handler for one `call.requested`, or answers with the reason it cannot run. */
  handle(id: string, payload: HubCallRequestedPayload): void {
    const { send, operations, gate, spokeName } = this.#deps;
    const reject = (code: string, message: string) =>
      send("call.error", id, { requestId: id, code, message });
    if (this.#running.has(id)) {
      send("protocol.error", globalThis.crypto.randomUUID(), {
        message: `duplicate requestId ${id}`,
        ref: id,
      });
      return;
    }
    const prefix = `${spokeName}.`;
    const local = operations.has(payload.operation)
      ? payload.operation
      : payload.operation.startsWith(prefix)
        ? payload.operation.slice(prefix.length)
        : payload.operation;
    const def = operations.get(local);
    if (!def) return void reject("OPERATION_NOT_FOUND", `spoke "${spokeName}" has no operation "${local}"`);
    if (!this.#accepting) return void reject("UNAVAILABLE", `spoke "${spokeName}" is draining`);
    if (!gate.tryAcquire(local, def.annotations?.maxConcurrency)) {
      return void reject("SPOKE_BUSY", `spoke "${spokeName}" is at its concurrency limit for "${local}"`);
    }
    const controller = new AbortController();
    this.#running.set(id, controller);
    void this.#run(id, local, def, payload, controller.signal).finally(() => {
      gate.release(local);
      this.#running.delete(id);
      if (this.#running.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    });
  }

  /** Aborts one call (the hub's `call.aborted`); false when it is not running here. */
  abort(id: string, reason?: string): boolean {
    const controller = this.#running.get(id);
    controller?.abort(new HubError("ABORTED", reason ?? "the call was aborted"));
    return controller !== undefined;
  }

  /** Aborts every running handler, e.g. because the connection dropped. */
  abortAll(reason: HubError): void {
    for (const controller of this.#running.values()) controller.abort(reason);
  }

  /** Resolves when no handler is running. */
  idle(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #run(
    id: string,
    local: string,
    def: AnyOperationDef,
    payload: HubCallRequestedPayload,
    signal: AbortSignal,
  ) {
    const { send, pending, otel, spokeName } = this.#deps;
    const span: ServedSpan | undefined =
      otel === undefined
        ? undefined
        : startServedSpan(otel, `${spokeName}.${local}`, payload.trace, {
            "rpc.system": "alkhub",
            "rpc.method": local,
            "alkhub.spoke": spokeName,
            "alkhub.request_id": id,
            "alkhub.caller.key_id": payload.caller.id,
          });
    const trace = span === undefined ? payload.trace : span.trace;
    const wantsProgress = payload.progress === true;
    const ctx: CallContext = {
      requestId: id,
      operation: local,
      signal,
      caller: payload.caller,
      deadline: payload.deadline,
      trace,
      wantsProgress,
      progress: (progress, total, message) => {
        if (!wantsProgress || signal.aborted || !this.#running.has(id)) return;
        send("call.progress", id, {
          requestId: id,
          progress,
          ...(total === undefined ? {} : { total }),
          ...(message === undefined ? {} : { message }),
        });
      },
      log: (level, data, logger) => {
        if (signal.aborted || !this.#running.has(id)) return;
        send("call.log", id, { requestId: id, level, data, ...(logger === undefined ? {} : { logger }) });
      },
      // Calls made while serving continue this call's trace unless the handler says otherwise.
      call: (operation, input, options) =>
        pending.call(operation, input, options, id, options?.trace ?? trace) as never,
      subscribe: (operation, input, options) =>
        pending.subscribe(operation, input, options, id, options?.trace ?? trace) as never,
    };
    let errorCode: string | undefined;
    try {
      if (def.type === "subscription") {
        const items =
          span === undefined
            ? def.handler(payload.input, ctx)
            : span.run(() => def.handler(payload.input, ctx));
        for await (const item of items) {
          if (signal.aborted) return;
          this.#respond(id, item);
        }
        if (!signal.aborted) send("call.completed", id, { requestId: id });
      } else {
        const output = await (span === undefined
          ? def.handler(payload.input, ctx)
          : span.run(() => def.handler(payload.input, ctx)));
        if (!signal.aborted) this.#respond(id, output);
      }
    } catch (error) {
      if (signal.aborted) return;
      this.#deps.logger.debug("handler failed", { requestId: id, operation: local, error: String(error) });
      const wire = toWireError(error);
      errorCode = wire.code;
      const unsent = send("call.error", id, { requestId: id, ...wire });
      // Details that cannot be serialised or are too large must not cost the caller its answer.
      if (unsent) send("call.error", id, { requestId: id, code: wire.code, message: wire.message });
    } finally {
      span?.end(signal.aborted ? "ABORTED" : errorCode);
    }
  }

  #respond(id: string, output: unknown): void {
    const unsent = this.#deps.send("call.responded", id, {
      requestId: id,
      output: output === undefined ? null : output,
    });
    if (unsent) throw unsent;
  }
}
