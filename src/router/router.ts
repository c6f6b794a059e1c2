import type { Catalog } from "../catalog/index.ts";
import type { MetricsRegistry } from "../health/index.ts";
import type { Logger } from "../log/index.ts";
import { HubError, isHubOperation, type ToHubFrame } from "../protocol/index.ts";
import { CallMetrics } from "./call-metrics.ts";
import { encodeAborted, encodeSpokeCall } from "./frames.ts";
import type { HubOperations } from "./hub-operations.ts";
import { type PendingCall, PendingCalls } from "./pending-calls.ts";
import { routeCall } from "./route.ts";
import {
  type AuditSink,
  type CallerContext,
  type CallHandle,
  type CallOutcome,
  type CallRecord,
  type CallRequest,
  type CallSink,
  newCallRecord,
  type SpokeLink,
  type SpokeLinks,
} from "./types.ts";

/** The router's slice of the config (`router` section). */
export interface RouterSettings {
  defaultTimeoutMs: number;
  maxTimeoutMs: number;
  validateOutput: boolean;
  /** How long the instance that holds a remote spoke has to acknowledge a call. */
  remoteAckMs: number;
}

export interface RouterOptions {
  catalog: Catalog;
  links: SpokeLinks;
  audit: AuditSink;
  metrics: MetricsRegistry;
  log: Logger;
  settings: RouterSettings;
}

/** Frames a spoke sends about a call it serves. */
export type SpokeReplyFrame = Extract<
  ToHubFrame,
  { type: "call.responded" | "call.completed" | "call.progress" | "call.log" | "call.error" | "call.aborted" }
>;

const SETTLED_HANDLE: CallHandle = { abort() {} };

/**
 * Relays calls to the spoke connections that serve them and their answers back (PROTOCOL.md › Calls). The hot
 * path does no I/O besides the socket writes: no database, no bus, no logging per call.
 */
export class Router {
  readonly #catalog: Catalog;
  readonly #links: SpokeLinks;
  readonly #audit: AuditSink;
  /** The one record this router fills for every finished call (the sink copies it): no object per call. */
  readonly #auditRecord: CallRecord = newCallRecord();
  readonly #log: Logger;
  readonly #settings: RouterSettings;
  readonly #pending = new PendingCalls();
  readonly #metrics: CallMetrics;
  #hubOperations: HubOperations | undefined;
  #nextId = 0;
  readonly #idPrefix = `h${crypto.randomUUID().slice(0, 8)}-`;
  #draining = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: RouterOptions) {
    this.#catalog = options.catalog;
    this.#links = options.links;
    this.#audit = options.audit;
    this.#log = options.log;
    this.#settings = options.settings;
    this.#metrics = new CallMetrics(options.metrics, () => this.#pending.size);
  }

  /** Installs the handler of `hub.*` operations (it needs the router itself for `hub.call`). */
  useHubOperations(hubOperations: HubOperations): void {
    this.#hubOperations = hubOperations;
  }

  /** Calls in flight to spokes. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Starts a call; everything that happens to it arrives at `sink`. Never throws. */
  call(caller: CallerContext, request: CallRequest, sink: CallSink): CallHandle {
    const startedAt = Date.now();
    if (this.#draining) {
      return this.#refuse(
        caller,
        request,
        sink,
        startedAt,
        new HubError("UNAVAILABLE", "the hub is shutting down"),
      );
    }
    if (isHubOperation(request.operation)) {
      if (!this.#hubOperations) {
        return this.#refuse(
          caller,
          request,
          sink,
          startedAt,
          new HubError("UNAVAILABLE", "the hub is starting"),
        );
      }
      return this.#hubOperations.call(caller, request, sink);
    }
    const route = routeCall(request.operation, caller.identity, this.#catalog, this.#links);
    if (!route.ok) return this.#refuse(caller, request, sink, startedAt, route.error);
    const { operation, link } = route;
    const problem = operation.checkInput(request.input);
    if (problem !== undefined) {
      return this.#refuse(caller, request, sink, startedAt, new HubError("VALIDATION_ERROR", problem));
    }
    const deadline = this.#deadline(startedAt, request.deadline);
    const hubId = `${this.#idPrefix}${(this.#nextId++).toString(36)}`;
    const frame = encodeSpokeCall(hubId, operation, request, caller.identity, deadline);
    const call: PendingCall & CallHandle = {
      hubId,
      caller,
      operation,
      link,
      sink,
      wantsProgress: request.progress === true,
      startedAt,
      inputBytes: frame.length,
      outputBytes: 0,
      timer: undefined,
      ackTimer: undefined,
      abort: (reason?: string) => this.#abortByCaller(call, reason),
    };
    this.#pending.add(call);
    if (!link.send(frame)) {
      this.#fail(
        call,
        new HubError("SPOKE_UNAVAILABLE", `spoke "${link.spokeName}" could not take the call`),
      );
      return SETTLED_HANDLE;
    }
    call.timer = setTimeout(() => this.#expire(call), Math.max(0, deadline - startedAt));
    if (link.remote) {
      call.ackTimer = setTimeout(
        () =>
          this.remoteUnavailable(
            hubId,
            `the instance holding spoke "${link.spokeName}" did not take the call`,
          ),
        this.#settings.remoteAckMs,
      );
    }
    return call;
  }

  /**
   * Handles a frame a spoke sent about a call it serves. Returns false when no such call is in flight on that
   * connection (it already ended, or the id is not one the hub gave this spoke).
   */
  onSpokeFrame(link: SpokeLink, frame: SpokeReplyFrame): boolean {
    const call = this.#pending.get(frame.id);
    if (!call || call.link !== link) return false;
    switch (frame.type) {
      case "call.responded":
        this.#respond(call, frame.payload.output);
        return true;
      case "call.completed":
        if (call.operation.spec.type === "subscription") {
          call.sink.complete();
          this.#settle(call, "ok", null);
        } else {
          this.#fail(call, new HubError("EXECUTION_ERROR", "the spoke completed the call without an output"));
        }
        return true;
      case "call.progress":
        if (call.wantsProgress)
          call.sink.progress(frame.payload.progress, frame.payload.total, frame.payload.message);
        return true;
      case "call.log":
        call.sink.log(frame.payload.level, frame.payload.data, frame.payload.logger);
        return true;
      case "call.error": {
        const { code, message, details } = frame.payload;
        this.#fail(call, new HubError(code, message, details === undefined ? undefined : { details }));
        return true;
      }
      case "call.aborted":
        this.#fail(
          call,
          new HubError("ABORTED", frame.payload.reason ?? "the spoke aborted the call"),
          "aborted",
        );
        return true;
    }
  }

  /** A spoke connection closed: every call in flight to it fails at once with `SPOKE_DISCONNECTED`. */
  linkClosed(link: SpokeLink): void {
    const calls = this.#pending.toConnection(link.connectionId);
    if (calls.length > 0)
      this.#log.debug("spoke left with calls in flight", { spoke: link.spokeName, calls: calls.length });
    for (const call of calls) {
      this.#fail(
        call,
        new HubError("SPOKE_DISCONNECTED", `spoke "${link.spokeName}" disconnected during the call`),
      );
    }
  }

  /** The owner instance took a call it was sent: its ack timer stops. */
  remoteAcknowledged(hubId: string): void {
    const call = this.#pending.get(hubId);
    if (call?.ackTimer !== undefined) {
      clearTimeout(call.ackTimer);
      call.ackTimer = undefined;
    }
  }

  /** A call sent to another instance cannot reach its spoke: it fails now with `SPOKE_UNAVAILABLE`. */
  remoteUnavailable(hubId: string, message: string): void {
    const call = this.#pending.get(hubId);
    if (call) this.#fail(call, new HubError("SPOKE_UNAVAILABLE", message));
  }

  /** Every call in flight over `link` fails now with `SPOKE_UNAVAILABLE` (its instance is gone). */
  linkUnavailable(link: SpokeLink, message: string): void {
    for (const call of this.#pending.toConnection(link.connectionId)) {
      if (call.link === link) this.#fail(call, new HubError("SPOKE_UNAVAILABLE", message));
    }
  }

  /** Refuses new calls from now on (`UNAVAILABLE`); calls in flight go on. */
  beginDrain(): void {
    this.#draining = true;
  }

  /** Resolves when no call is in flight, or after `timeoutMs`; returns how many were still in flight. */
  async waitIdle(timeoutMs: number): Promise<number> {
    if (this.#pending.size === 0) return 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.#pending.size;
  }

  /** Ends every call still in flight with `UNAVAILABLE` (the last step of shutdown). */
  abortAll(reason: string): void {
    for (const call of this.#pending.all()) {
      call.link.send(encodeAborted(call.hubId, reason));
      this.#fail(call, new HubError("UNAVAILABLE", reason));
    }
  }

  #deadline(now: number, requested: number | undefined): number {
    const latest = now + this.#settings.maxTimeoutMs;
    if (requested === undefined) return Math.min(now + this.#settings.defaultTimeoutMs, latest);
    return Math.min(requested, latest);
  }

  #respond(call: PendingCall, output: unknown): void {
    if (this.#settings.validateOutput) {
      const problem = call.operation.checkOutput(output);
      if (problem !== undefined) {
        this.#fail(
          call,
          new HubError("EXECUTION_ERROR", `the spoke's output does not match its schema: ${problem}`),
        );
        return;
      }
    }
    const last = call.operation.spec.type !== "subscription";
    call.outputBytes += call.sink.response(output, last);
    if (last) this.#settle(call, "ok", null);
  }

  #abortByCaller(call: PendingCall, reason: string | undefined): void {
    if (this.#pending.get(call.hubId) !== call) return;
    call.link.send(encodeAborted(call.hubId, reason ?? "aborted by the caller"));
    this.#fail(call, new HubError("ABORTED", reason ?? "aborted by the caller"), "aborted");
  }

  #expire(call: PendingCall): void {
    if (this.#pending.get(call.hubId) !== call) return;
    call.link.send(encodeAborted(call.hubId, "deadline passed"));
    this.#fail(
      call,
      new HubError("TIMEOUT", `no answer from "${call.operation.name}" before the deadline`),
      "timeout",
    );
  }

  #fail(call: PendingCall, error: HubError, outcome: CallOutcome = "error"): void {
    if (this.#pending.get(call.hubId) !== call) return;
    this.#settle(call, outcome, error.code);
    call.sink.error(error);
  }

  #settle(call: PendingCall, outcome: CallOutcome, errorCode: string | null): void {
    if (!this.#pending.remove(call)) return;
    const finishedAt = Date.now();
    this.#metrics.finished(call.operation.name, outcome, finishedAt - call.startedAt);
    const record = this.#auditRecord;
    record.requestId = call.hubId;
    record.operation = call.operation.name;
    record.spokeName = call.operation.spokeName;
    record.callerKeyId = call.caller.identity.keyId;
    record.outcome = outcome;
    record.errorCode = errorCode;
    record.startedAt = call.startedAt;
    record.finishedAt = finishedAt;
    record.inputBytes = call.inputBytes;
    record.outputBytes = call.outputBytes;
    this.#audit.record(record);
    if (this.#pending.size === 0 && this.#idleWaiters.length > 0) {
      for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  /** Ends a call that never reached a spoke; counted and audited like any other. */
  #refuse(
    caller: CallerContext,
    request: CallRequest,
    sink: CallSink,
    startedAt: number,
    error: HubError,
  ): CallHandle {
    const known = this.#catalog.operation(request.operation);
    const finishedAt = Date.now();
    this.#metrics.finished(known ? known.name : "unknown", "error", finishedAt - startedAt);
    const record = this.#auditRecord;
    record.requestId = crypto.randomUUID();
    record.operation = request.operation.slice(0, 128);
    record.spokeName = known ? known.spokeName : null;
    record.callerKeyId = caller.identity.keyId;
    record.outcome = "error";
    record.errorCode = error.code;
    record.startedAt = startedAt;
    record.finishedAt = finishedAt;
    record.inputBytes = 0;
    record.outputBytes = 0;
    this.#audit.record(record);
    sink.error(error);
    return SETTLED_HANDLE;
  }
}
