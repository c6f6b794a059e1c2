import type { CatalogOperation } from "../catalog/index.ts";
import type { KeyUsage } from "../limits/index.ts";
import type { OperationFacts } from "./frames.ts";
import type { CallerContext, CallSink, CallTrace, SpokeLink } from "./types.ts";

/** One call in flight to a spoke: everything needed to finish it, whichever way it ends. */
export interface PendingCall {
  /** The id on the spoke hop (the hub's own; callers never see it). */
  readonly hubId: string;
  readonly caller: CallerContext;
  readonly operation: CatalogOperation;
  readonly facts: OperationFacts;
  readonly link: SpokeLink;
  readonly sink: CallSink;
  readonly wantsProgress: boolean;
  readonly startedAt: number;
  readonly inputBytes: number;
  outputBytes: number;
  /** The caller key's usage, whose in-flight count this call holds (absent without per-key limits). */
  readonly usage: KeyUsage | undefined;
  /** The deadline wheel's slot of this call. */
  deadlineSlot: number;
  /** For a call to another instance: the ack wheel's slot (0 once acknowledged, or for a local spoke). */
  ackSlot: number;
  /** The call's spans; undefined when tracing is off. */
  readonly trace: CallTrace | undefined;
}

/**
 * The one table of calls in flight (STYLE.md 9): by hub id for frames coming back, and by connection so that a
 * spoke that goes away settles all of its calls at once.
 */
export class PendingCalls {
  readonly #byId = new Map<string, PendingCall>();
  readonly #byConnection = new Map<string, Set<PendingCall>>();

  get size(): number {
    return this.#byId.size;
  }

  add(call: PendingCall): void {
    this.#byId.set(call.hubId, call);
    let calls = this.#byConnection.get(call.link.connectionId);
    if (!calls) {
      calls = new Set();
      this.#byConnection.set(call.link.connectionId, calls);
    }
    calls.add(call);
    call.link.inFlight++;
  }

  get(hubId: string): PendingCall | undefined {
    return this.#byId.get(hubId);
  }

  /** Removes a call; returns false when it was already gone (settled before). */
  remove(call: PendingCall): boolean {
    if (!this.#byId.delete(call.hubId)) return false;
    const calls = this.#byConnection.get(call.link.connectionId);
    calls?.delete(call);
    if (calls?.size === 0) this.#byConnection.delete(call.link.connectionId);
    call.link.inFlight--;
    return true;
  }

  /** The calls in flight to one connection (a copy: the caller may settle them while iterating). */
  toConnection(connectionId: string): PendingCall[] {
    return [...(this.#byConnection.get(connectionId) ?? [])];
  }

  all(): PendingCall[] {
    return [...this.#byId.values()];
  }
}
