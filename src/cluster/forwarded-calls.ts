import type { Bus } from "../bus/index.ts";
import { encodeCallAborted, encodeCallError } from "../protocol/index.ts";
import { type CallTracer, type ForwardTrace, IdleWaiters, type SpokeReplyFrame } from "../router/index.ts";
import type { ForwardedCallsPort, SpokeDirectory, SpokeSession } from "../spokes/index.ts";
import { encodeAck, encodeNotHere, encodeReply } from "./instance-messages.ts";
import { frameTrace } from "./trace-splice.ts";

interface Forwarded {
  from: string;
  session: SpokeSession;
  subscription: boolean;
  /** Whether the caller's instance was told the call arrived (needed only while no reply has gone back). */
  acked: boolean;
  /** This instance's span of the call (tracing on and the call carries a trace context). */
  trace: ForwardTrace | undefined;
}

/**
 * The owner's side of cross-instance calls: frames another instance's router sent for a spoke connected here
 * are written to that spoke as they are, and the spoke's replies go back to the caller's instance as the spoke
 * sent them. The caller did every check (key, schema, deadline) and said what each frame is about; this side
 * reads no frame, it only relays.
 */
export class ForwardedCalls implements ForwardedCallsPort {
  readonly #bus: Bus;
  readonly #directory: SpokeDirectory;
  readonly #calls = new Map<string, Forwarded>();
  readonly #idle = new IdleWaiters(() => this.#calls.size);
  readonly #ackEveryMs: number;
  readonly #tracer: CallTracer | undefined;
  #ackTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * `remoteAckMs` is the callers' patience: a call not answered within a quarter of it is acknowledged, in one
   * batched message per caller instance, so fast calls cost no acknowledgement at all (their reply is one).
   * `tracer` (tracing on): each relayed call that carries a trace context gets a span here, which the spoke
   * continues.
   */
  constructor(bus: Bus, directory: SpokeDirectory, remoteAckMs: number, tracer?: CallTracer) {
    this.#bus = bus;
    this.#directory = directory;
    this.#tracer = tracer;
    this.#ackEveryMs = Math.max(10, Math.floor(remoteAckMs / 4));
  }

  get size(): number {
    return this.#calls.size;
  }

  /**
   * Resolves when no forwarded call is in flight, or after `timeoutMs`; returns how many still were. A drain
   * waits for these as for the router's own calls: they are calls of other instances' callers.
   */
  waitIdle(timeoutMs: number): Promise<number> {
    return this.#idle.wait(timeoutMs);
  }

  /** A frame of `type` about call `hubId`, from instance `from`, for local connection `connectionId`. */
  forward(
    from: string,
    connectionId: string,
    type: "call.requested" | "call.aborted",
    hubId: string,
    subscription: boolean,
    frame: string,
  ): void {
    const session = this.#directory.byConnection(connectionId);
    if (type === "call.aborted") {
      this.#forget(hubId, "ABORTED");
      session?.send(frame);
      return;
    }
    let trace: ForwardTrace | undefined;
    let toSpoke = frame;
    if (this.#tracer !== undefined && session !== undefined) {
      const found = frameTrace(frame);
      if (found !== undefined) {
        trace = this.#tracer.forwarded(found.trace, session.spokeName, from);
        toSpoke = found.replace(trace.context);
      }
    }
    if (!session?.send(toSpoke)) {
      trace?.end("SPOKE_UNAVAILABLE");
      this.#send(from, encodeNotHere(this.#bus.instanceId, hubId));
      return;
    }
    this.#calls.set(hubId, { from, session, subscription, acked: false, trace });
    this.#ackTimer ??= setInterval(() => this.#acknowledgeWaiting(), this.#ackEveryMs);
  }

  /**
   * Sends a spoke's reply (`text` as the spoke sent it, already checked) back to the caller's instance; false
   * when the call was not forwarded here.
   */
  relay(session: SpokeSession, frame: SpokeReplyFrame, text: string): boolean {
    const call = this.#calls.get(frame.id);
    if (!call || call.session !== session) return false;
    const last =
      frame.type === "call.error" ||
      frame.type === "call.aborted" ||
      frame.type === "call.completed" ||
      (frame.type === "call.responded" && !call.subscription);
    if (last) this.#forget(frame.id, errorCodeOf(frame));
    this.#send(call.from, encodeReply(this.#bus.instanceId, session.connectionId, text));
    return true;
  }

  /** The caller's instance stopped answering: its calls are aborted at the spoke, which then stops working. */
  callerDown(instanceId: string): void {
    for (const [hubId, call] of this.#calls) {
      if (call.from !== instanceId) continue;
      this.#forget(hubId, "ABORTED");
      call.session.send(encodeCallAborted(`"${hubId}"`, "the caller's hub instance stopped answering"));
    }
  }

  /** The spoke went away: the callers of its forwarded calls get `SPOKE_DISCONNECTED` now. */
  sessionClosed(session: SpokeSession): void {
    for (const [hubId, call] of this.#calls) {
      if (call.session !== session) continue;
      this.#forget(hubId, "SPOKE_DISCONNECTED");
      const frame = encodeCallError(`"${hubId}"`, {
        code: "SPOKE_DISCONNECTED",
        message: `spoke "${session.spokeName}" disconnected during the call`,
      });
      this.#send(call.from, encodeReply(this.#bus.instanceId, session.connectionId, frame));
    }
  }

  /** The call ended here (`errorCode` when it failed): its span ends and a drain may be waiting for it. */
  #forget(hubId: string, errorCode: string | null): void {
    const call = this.#calls.get(hubId);
    if (call === undefined) return;
    this.#calls.delete(hubId);
    call.trace?.end(errorCode);
    this.#idle.check();
  }

  /** Acknowledges, per caller instance in one message, the calls still waiting for their first reply. */
  #acknowledgeWaiting(): void {
    if (this.#calls.size === 0) {
      clearInterval(this.#ackTimer);
      this.#ackTimer = undefined;
      return;
    }
    const waiting = new Map<string, string[]>();
    for (const [hubId, call] of this.#calls) {
      if (call.acked) continue;
      call.acked = true;
      const ids = waiting.get(call.from);
      if (ids) ids.push(hubId);
      else waiting.set(call.from, [hubId]);
    }
    for (const [from, ids] of waiting) this.#send(from, encodeAck(this.#bus.instanceId, ids.join(",")));
  }

  #send(instanceId: string, message: string): void {
    this.#bus.sendToInstance(instanceId, message).catch(() => {
      // The caller's instance fails the call by itself (ack timer, liveness) when it hears nothing.
    });
  }

  /** Stops the acknowledgement tick (shutdown). */
  stop(): void {
    clearInterval(this.#ackTimer);
    this.#ackTimer = undefined;
  }
}

/** The error code a last reply frame ends its call with (null: it ended well). */
function errorCodeOf(frame: SpokeReplyFrame): string | null {
  if (frame.type === "call.error") return frame.payload.code;
  return frame.type === "call.aborted" ? "ABORTED" : null;
}
