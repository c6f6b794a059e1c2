import type { Bus } from "../bus/index.ts";
import { encodeAck, encodeNotHere, encodeReply } from "../cluster/instance-messages.ts";
import type { Logger } from "../log/index.ts";
import { encodeFrame, type Frame } from "../protocol/index.ts";
import type { SpokeSession } from "./session.ts";
import type { SpokeDirectory } from "./spoke-directory.ts";

type ReplyFrame = Frame<
  "call.responded" | "call.completed" | "call.progress" | "call.log" | "call.error" | "call.aborted"
>;

interface Forwarded {
  from: string;
  session: SpokeSession;
  subscription: boolean;
  /** Whether the caller's instance was told the call arrived (needed only while no reply has gone back). */
  acked: boolean;
}

const FRAME_HEAD = /^\{"type":"(call\.requested|call\.aborted)","id":"([^"]+)"/;

/**
 * The owner's side of cross-instance calls: frames another instance's router sent for a spoke connected here
 * are written to that spoke as they are, and the spoke's replies go back to the caller's instance. The caller
 * did every check (key, schema, deadline); this side only relays.
 */
export class ForwardedCalls {
  readonly #bus: Bus;
  readonly #directory: SpokeDirectory;
  readonly #log: Logger;
  readonly #calls = new Map<string, Forwarded>();
  #idleWaiters: Array<() => void> = [];
  readonly #ackEveryMs: number;
  #ackTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * `remoteAckMs` is the callers' patience: a call not answered within a quarter of it is acknowledged, in one
   * batched message per caller instance, so fast calls cost no acknowledgement at all (their reply is one).
   */
  constructor(bus: Bus, directory: SpokeDirectory, log: Logger, remoteAckMs: number) {
    this.#bus = bus;
    this.#directory = directory;
    this.#log = log;
    this.#ackEveryMs = Math.max(10, Math.floor(remoteAckMs / 4));
  }

  get size(): number {
    return this.#calls.size;
  }

  /**
   * Resolves when no forwarded call is in flight, or after `timeoutMs`; returns how many still were. A drain
   * waits for these as for the router's own calls: they are calls of other instances' callers.
   */
  async waitIdle(timeoutMs: number): Promise<number> {
    if (this.#calls.size === 0) return 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.#calls.size;
  }

  /** A frame from instance `from` for local connection `connectionId`. */
  forward(from: string, connectionId: string, subscription: boolean, frame: string): void {
    const head = FRAME_HEAD.exec(frame);
    if (!head) {
      this.#log.warn("ignored a forwarded frame that is not a call request or abort", { from });
      return;
    }
    const [, type, hubId] = head as unknown as [string, string, string];
    const session = this.#directory.byConnection(connectionId);
    if (type === "call.aborted") {
      this.#forget(hubId);
      session?.send(frame);
      return;
    }
    if (!session?.send(frame)) {
      this.#send(from, encodeNotHere(this.#bus.instanceId, hubId));
      return;
    }
    this.#calls.set(hubId, { from, session, subscription, acked: false });
    this.#ackTimer ??= setInterval(() => this.#acknowledgeWaiting(), this.#ackEveryMs);
  }

  /** Sends a spoke's reply back to the caller's instance; false when the call was not forwarded here. */
  relay(session: SpokeSession, frame: ReplyFrame): boolean {
    const call = this.#calls.get(frame.id);
    if (!call || call.session !== session) return false;
    const last =
      frame.type === "call.error" ||
      frame.type === "call.aborted" ||
      frame.type === "call.completed" ||
      (frame.type === "call.responded" && !call.subscription);
    if (last) this.#forget(frame.id);
    this.#send(call.from, encodeReply(this.#bus.instanceId, session.connectionId, JSON.stringify(frame)));
    return true;
  }

  /** The caller's instance stopped answering: its calls are aborted at the spoke, which then stops working. */
  callerDown(instanceId: string): void {
    for (const [hubId, call] of this.#calls) {
      if (call.from !== instanceId) continue;
      this.#calls.delete(hubId);
      call.session.send(
        encodeFrame("call.aborted", hubId, {
          requestId: hubId,
          reason: "the caller's hub instance stopped answering",
        }),
      );
    }
  }

  /** The spoke went away: the callers of its forwarded calls get `SPOKE_DISCONNECTED` now. */
  sessionClosed(session: SpokeSession): void {
    for (const [hubId, call] of this.#calls) {
      if (call.session !== session) continue;
      this.#forget(hubId);
      const frame = encodeFrame("call.error", hubId, {
        requestId: hubId,
        code: "SPOKE_DISCONNECTED",
        message: `spoke "${session.spokeName}" disconnected during the call`,
      });
      this.#send(call.from, encodeReply(this.#bus.instanceId, session.connectionId, frame));
    }
  }

  #forget(hubId: string): void {
    if (!this.#calls.delete(hubId) || this.#calls.size > 0 || this.#idleWaiters.length === 0) return;
    for (const wake of this.#idleWaiters.splice(0)) wake();
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
}
