import type { MetricsRegistry } from "../health/index.ts";
import type { KeyLimits, KeyUsage } from "../limits/index.ts";
import type { Logger } from "../log/index.ts";
import { HubError, type ToHubFrame, traceJson } from "../protocol/index.ts";
import { CallMetrics } from "./call-metrics.ts";
import type { CallStats } from "./call-stats.ts";
import { encodeSpokeAbort, encodeSpokeCall, factsOf } from "./frames.ts";
import { IdleWaiters } from "./idle-waiters.ts";
import { type PendingCall, PendingCalls } from "./pending-calls.ts";
import { authorizeCall, linkFor, type RoutingCatalog } from "./route.ts";
import { type Clock, SYSTEM_CLOCK, TimerWheel } from "./timer-wheel.ts";
import {
  type AuditSink,
  type CallerContext,
  type CallHandle,
  type CallOutcome,
  type CallRecord,
  type CallRequest,
  type CallSink,
  type Calls,
  type CallTrace,
  type CallTracer,
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
  catalog: RoutingCatalog;
  links: SpokeLinks;
  audit: AuditSink;
  metrics: MetricsRegistry;
  log: Logger;
  settings: RouterSettings;
  /** Default: the system clock. Tests pass a fake one. */
  clock?: Clock;
  /** Per-key admission (token bucket, in-flight cap, revoked keys); none: every call is admitted. */
  limits?: KeyLimits;
  /** Spans of each call (telemetry on); none: no span is made, a caller's trace context is passed on as is. */
  tracer?: CallTracer;
}

/**
 * Granularity of call deadlines and remote acknowledgements: a call times out at most this much after its
 * deadline. Coarse on purpose — one wheel tick serves every call in flight.
 */
export const DEADLINE_TICK_MS = 10;

/** Frames a spoke sends about a call it serves. */
export type SpokeReplyFrame = Extract<
  ToHubFrame,
  { type: "call.responded" | "call.completed" | "call.progress" | "call.log" | "call.error" | "call.aborted" }
>;

const SETTLED_HANDLE: CallHandle = { abort() {} };

/**
 * Relays calls to the spoke connections that serve them and their answers back (PROTOCOL.md › Calls). The hot
 * path does no I/O besides the socket writes: no database, no bus, no logging per call. Surfaces do not call it
 * directly: `HubOperations` stands in front of it, answers `hub.*` itself and hands spoke operations on.
 */
export class Router implements Calls {
  readonly #catalog: RoutingCatalog;
  readonly #links: SpokeLinks;
  readonly #audit: AuditSink;
  /** The one record this router fills for every finished call (the sink copies it): no object per call. */
  readonly #auditRecord: CallRecord = newCallRecord();
  readonly #log: Logger;
  readonly #settings: RouterSettings;
  readonly #limits: KeyLimits | undefined;
  readonly #tracer: CallTracer | undefined;
  readonly #pending = new PendingCalls();
  readonly #metrics: CallMetrics;
  #nextId = 0;
  readonly #idPrefix = `h${crypto.randomUUID().slice(0, 8)}-`;
  #draining = false;
  readonly #idle = new IdleWaiters(() => this.#pending.size);
  readonly #clock: Clock;
  readonly #deadlines: TimerWheel<PendingCall>;
  readonly #acks: TimerWheel<PendingCall>;

  constructor(options: RouterOptions) {
    this.#catalog = options.catalog;
    this.#links = options.links;
    this.#audit = options.audit;
    this.#log = options.log;
    this.#settings = options.settings;
    this.#limits = options.limits;
    this.#tracer = options.tracer;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#metrics = new CallMetrics(options.metrics, () => this.#pending.size);
    this.#deadlines = new TimerWheel(this.#clock, DEADLINE_TICK_MS, (call) => this.#expire(call));
    this.#acks = new TimerWheel(this.#clock, DEADLINE_TICK_MS, (call) => {
      call.ackSlot = 0;
      this.#fail(
        call,
        new HubError(
          "SPOKE_UNAVAILABLE",
          `the instance holding spoke "${call.link.spokeName}" did not take the call`,
        ),
      );
    });
  }

  /** Calls in flight to spokes. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Calls and errors of this instance per 10 s bucket, last 15 minutes. */
  get stats(): CallStats {
    return this.#metrics.stats;
  }

  /** Whether new calls are refused (`beginDrain` was called). */
  get draining(): boolean {
    return this.#draining;
  }

  /** Starts a call to a spoke operation; everything that happens to it arrives at `sink`. Never throws. */
  call(caller: CallerContext, request: CallRequest, sink: CallSink): CallHandle {
    const startedAt = this.#clock.now();
    const trace = this.#tracer?.begin(caller, request);
    if (this.#draining) {
      const error = new HubError("UNAVAILABLE", "the hub is shutting down");
      return this.#refuse(caller, request, sink, startedAt, error, trace);
    }
    let usage: KeyUsage | undefined;
    if (this.#limits) {
      const admitted = this.#limits.admitCall(caller.identity.keyId, startedAt);
      if (admitted instanceof HubError)
        return this.#refuse(caller, request, sink, startedAt, admitted, trace);
      usage = admitted;
    }
    const access = authorizeCall(request.operation, caller.identity, this.#catalog);
    if (!access.ok) return this.#refuse(caller, request, sink, startedAt, access.error, trace);
    trace?.authorized(access.operation.name, access.spoke.name);
    const route = linkFor(access.operation, access.spoke, this.#links);
    if (!route.ok) return this.#refuse(caller, request, sink, startedAt, route.error, trace);
    const { operation, link } = route;
    const deadline = this.#deadline(startedAt, request.deadline);
    const hubId = `${this.#idPrefix}${(this.#nextId++).toString(36)}`;
    const facts = factsOf(operation, this.#metrics);
    let frame: string;
    try {
      const problem = operation.checkInput(request.input);
      if (problem !== undefined) {
        const error = new HubError("VALIDATION_ERROR", problem);
        return this.#refuse(caller, request, sink, startedAt, error, trace);
      }
      // Tracing off: a caller's context goes to the spoke as it came (encoded only when there is one).
      const traceText =
        trace !== undefined
          ? trace.relay(link, hubId)
          : request.trace === undefined
            ? undefined
            : traceJson(request.trace);
      frame = encodeSpokeCall(hubId, facts, request, caller.identity, deadline, traceText);
    } catch {
      // Input nested deeper than the engine's stack: validating or encoding it throws (RangeError).
      const error = new HubError("VALIDATION_ERROR", "the input nests too deeply to be relayed");
      return this.#refuse(caller, request, sink, startedAt, error, trace);
    }
    const call: PendingCall & CallHandle = {
      hubId,
      caller,
      operation,
      facts,
      link,
      sink,
      wantsProgress: request.progress === true,
      startedAt,
      inputBytes: frame.length,
      outputBytes: 0,
      usage,
      deadlineSlot: 0,
      ackSlot: 0,
      trace,
      abort: (reason?: string) => this.#abortByCaller(call, reason),
    };
    this.#pending.add(call);
    if (usage) usage.inFlight++;
    if (!link.send(frame, "call.requested", hubId, facts.subscription)) {
      this.#fail(
        call,
        new HubError("SPOKE_UNAVAILABLE", `spoke "${link.spokeName}" could not take the call`),
      );
      return SETTLED_HANDLE;
    }
    // The send may have settled the call already (a remote link whose bus refused the message).
    if (this.#pending.get(hubId) !== call) return SETTLED_HANDLE;
    call.deadlineSlot = this.#deadlines.schedule(call, deadline);
    if (link.remote) call.ackSlot = this.#acks.schedule(call, startedAt + this.#settings.remoteAckMs);
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
        if (call.facts.subscription) {
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
    if (call !== undefined && call.ackSlot !== 0) {
      this.#acks.cancel(call, call.ackSlot);
      call.ackSlot = 0;
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

  /** Aborts every call in flight made with key `keyId` (the key was revoked). */
  abortKey(keyId: string, reason: string): void {
    for (const call of this.#pending.all()) {
      if (call.caller.identity.keyId === keyId) this.#abortByCaller(call, reason);
    }
  }

  /** Refuses new calls from now on (`UNAVAILABLE`); calls in flight go on. */
  beginDrain(): void {
    this.#draining = true;
  }

  /** Resolves when no call is in flight, or after `timeoutMs`; returns how many were still in flight. */
  waitIdle(timeoutMs: number): Promise<number> {
    return this.#idle.wait(timeoutMs);
  }

  /** Ends every call still in flight with `UNAVAILABLE` (the last step of shutdown). */
  abortAll(reason: string): void {
    for (const call of this.#pending.all()) {
      this.#sendAbort(call, reason);
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
    const last = !call.facts.subscription;
    try {
      call.outputBytes += call.sink.response(output, last);
    } catch {
      // Output nested deeper than the engine's stack cannot be encoded for the caller.
      this.#fail(call, new HubError("EXECUTION_ERROR", "the spoke's output nests too deeply to be relayed"));
      return;
    }
    if (last) this.#settle(call, "ok", null);
  }

  #abortByCaller(call: PendingCall, reason: string | undefined): void {
    if (this.#pending.get(call.hubId) !== call) return;
    this.#sendAbort(call, reason ?? "aborted by the caller");
    this.#fail(call, new HubError("ABORTED", reason ?? "aborted by the caller"), "aborted");
  }

  #expire(call: PendingCall): void {
    if (this.#pending.get(call.hubId) !== call) return;
    this.#sendAbort(call, "deadline passed");
    this.#fail(
      call,
      new HubError("TIMEOUT", `no answer from "${call.operation.name}" before the deadline`),
      "timeout",
    );
  }

  #sendAbort(call: PendingCall, reason: string): void {
    call.link.send(encodeSpokeAbort(call.hubId, reason), "call.aborted", call.hubId, call.facts.subscription);
  }

  #fail(call: PendingCall, error: HubError, outcome: CallOutcome = "error"): void {
    if (this.#pending.get(call.hubId) !== call) return;
    this.#settle(call, outcome, error.code);
    call.sink.error(error);
  }

  #settle(call: PendingCall, outcome: CallOutcome, errorCode: string | null): void {
    if (!this.#pending.remove(call)) return;
    if (call.usage) call.usage.inFlight--;
    this.#deadlines.cancel(call, call.deadlineSlot);
    if (call.ackSlot !== 0) this.#acks.cancel(call, call.ackSlot);
    const finishedAt = this.#clock.now();
    this.#metrics.finishedIn(call.facts.cells, outcome, finishedAt - call.startedAt, finishedAt);
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
    call.trace?.end(outcome, errorCode);
    this.#idle.check();
  }

  /** Ends a call that never reached a spoke; counted and audited like any other. */
  #refuse(
    caller: CallerContext,
    request: CallRequest,
    sink: CallSink,
    startedAt: number,
    error: HubError,
    trace: CallTrace | undefined,
  ): CallHandle {
    const known = this.#catalog.operation(request.operation);
    const finishedAt = this.#clock.now();
    // A refused caller must not put an operation it may not see into /metrics (owner-only names would leak).
    const visible = known !== undefined && this.#catalog.canSeeOperation(caller.identity, known);
    this.#metrics.finished(visible ? known.name : "unknown", "error", finishedAt - startedAt, finishedAt);
    // A key flooding past its limit is counted in /metrics, not written row by row to the audit.
    if (error.code !== "RATE_LIMITED") {
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
    }
    trace?.end("error", error.code);
    sink.error(error);
    return SETTLED_HANDLE;
  }
}
