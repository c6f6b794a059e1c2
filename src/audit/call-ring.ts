import type { CallOutcome, CallRecord } from "../router/index.ts";

/**
 * A preallocated ring of finished calls, one typed column per field, so taking a record on the hot path
 * allocates nothing: string fields are references the call already held (request id, catalog names, key id,
 * error code constant), numbers go into `Float64Array`s. Capacity is fixed at construction (`audit.queueLimit`).
 */
export class CallRing {
  readonly capacity: number;
  readonly #requestId: string[];
  readonly #operation: string[];
  readonly #spokeName: (string | null)[];
  readonly #callerKeyId: (string | null)[];
  readonly #outcome: CallOutcome[];
  readonly #errorCode: (string | null)[];
  readonly #startedAt: Float64Array;
  readonly #finishedAt: Float64Array;
  readonly #inputBytes: Float64Array;
  readonly #outputBytes: Float64Array;
  /** Slot of the oldest record. */
  #head = 0;
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    // Filled arrays (not holey) of the element kind they will hold, so V8/JSC keep them packed.
    this.#requestId = new Array<string>(capacity).fill("");
    this.#operation = new Array<string>(capacity).fill("");
    this.#spokeName = new Array<string | null>(capacity).fill(null);
    this.#callerKeyId = new Array<string | null>(capacity).fill(null);
    this.#outcome = new Array<CallOutcome>(capacity).fill("ok");
    this.#errorCode = new Array<string | null>(capacity).fill(null);
    this.#startedAt = new Float64Array(capacity);
    this.#finishedAt = new Float64Array(capacity);
    this.#inputBytes = new Float64Array(capacity);
    this.#outputBytes = new Float64Array(capacity);
  }

  /** Records held. */
  get size(): number {
    return this.#size;
  }

  /** Copies `call`'s fields into the next slot; false (nothing stored) when the ring is full. O(1). */
  push(call: Readonly<CallRecord>): boolean {
    if (this.#size === this.capacity) return false;
    let slot = this.#head + this.#size;
    if (slot >= this.capacity) slot -= this.capacity;
    this.#requestId[slot] = call.requestId;
    this.#operation[slot] = call.operation;
    this.#spokeName[slot] = call.spokeName;
    this.#callerKeyId[slot] = call.callerKeyId;
    this.#outcome[slot] = call.outcome;
    this.#errorCode[slot] = call.errorCode;
    this.#startedAt[slot] = call.startedAt;
    this.#finishedAt[slot] = call.finishedAt;
    this.#inputBytes[slot] = call.inputBytes;
    this.#outputBytes[slot] = call.outputBytes;
    this.#size++;
    return true;
  }

  /**
   * Hands the oldest `count` records (at most `size`) to `visit` one by one through `scratch`, which is
   * overwritten for each, then frees their slots. Returns how many were visited.
   */
  shift(count: number, scratch: CallRecord, visit: (call: Readonly<CallRecord>) => void): number {
    const n = Math.min(count, this.#size);
    let slot = this.#head;
    for (let i = 0; i < n; i++) {
      scratch.requestId = this.#requestId[slot]!;
      scratch.operation = this.#operation[slot]!;
      scratch.spokeName = this.#spokeName[slot]!;
      scratch.callerKeyId = this.#callerKeyId[slot]!;
      scratch.outcome = this.#outcome[slot]!;
      scratch.errorCode = this.#errorCode[slot]!;
      scratch.startedAt = this.#startedAt[slot]!;
      scratch.finishedAt = this.#finishedAt[slot]!;
      scratch.inputBytes = this.#inputBytes[slot]!;
      scratch.outputBytes = this.#outputBytes[slot]!;
      // Drop the references so a freed slot keeps no string alive.
      this.#requestId[slot] = this.#operation[slot] = "";
      this.#spokeName[slot] = this.#callerKeyId[slot] = this.#errorCode[slot] = null;
      visit(scratch);
      slot = slot + 1 === this.capacity ? 0 : slot + 1;
    }
    this.#head = slot;
    this.#size -= n;
    return n;
  }
}
