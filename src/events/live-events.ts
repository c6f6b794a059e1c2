/**
 * `GET /api/v1/events`: catalog and call events as Server-Sent Events. Catalog events are cluster-wide (the
 * catalog hears every instance's changes on the bus); call events are the calls this instance relayed, taken
 * from the call audit's records. Nothing is watched while no stream is open, so the relay pays one length check
 * per call (in `CallAudit.record`) until someone listens. Streams are bounded: per key and in all, and each by
 * its unread bytes (a slow reader is dropped, see `SseStream`).
 */
import type { CallAudit, CallItem, CallRecord } from "../audit/index.ts";
import type { Catalog, CatalogSpoke } from "../catalog/index.ts";
import type { Logger } from "../log/index.ts";
import { HubError } from "../protocol/index.ts";
import { SseStream, sseComment, sseEvent } from "./sse-stream.ts";

/** The event types a stream can ask for (`?types=`). */
export const EVENT_TYPES = ["catalog", "call"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Kinds of `catalog` events. */
export type CatalogEventKind = "spoke.online" | "spoke.offline" | "operations.changed";

/** The data of one `catalog` event. */
export interface CatalogEventData {
  kind: CatalogEventKind;
  spoke: string;
  /** The instance holding (or that last held) the spoke. */
  instanceId: string | null;
  at: string;
}

/** Streams one key may hold open at once. */
export const DEFAULT_STREAMS_PER_KEY = 4;
/** Streams this instance serves at once. */
export const DEFAULT_MAX_STREAMS = 64;
/** Between two `: ping` comments, in milliseconds. */
export const EVENT_PING_MS = 15_000;
/** Call events waiting for the next send (one turn of the event loop); beyond it they are dropped, counted. */
const MAX_PENDING_CALLS = 10_000;

/** What a spoke looked like at its previous change, to name the next one. */
interface SpokeState {
  live: boolean;
  connectionId: string | undefined;
  operations: CatalogSpoke["operations"];
}

function stateOf(spoke: CatalogSpoke): SpokeState {
  return { live: spoke.live, connectionId: spoke.connectionId, operations: spoke.operations };
}

/** Names a catalog change from the spoke's state before and after; undefined when operators need not hear it. */
export function catalogEventKind(
  before: SpokeState | undefined,
  after: CatalogSpoke | undefined,
): CatalogEventKind | undefined {
  const wasLive = before?.live ?? false;
  const isLive = after?.live ?? false;
  if (isLive && (!wasLive || before?.connectionId !== after?.connectionId)) return "spoke.online";
  if (wasLive && !isLive) return "spoke.offline";
  if (before && after && before.operations !== after.operations) return "operations.changed";
  return undefined;
}

/** A finished call as a `call` event (and `GET /calls` item); `id` is the request id (no row exists yet). */
export function liveCallItem(call: Readonly<CallRecord>, instanceId: string): CallItem {
  return {
    id: call.requestId,
    requestId: call.requestId,
    operation: call.operation,
    spoke: call.spokeName,
    callerKeyId: call.callerKeyId,
    outcome: call.outcome,
    errorCode: call.errorCode,
    startedAt: new Date(call.startedAt).toISOString(),
    finishedAt: new Date(call.finishedAt).toISOString(),
    durationMs: call.finishedAt - call.startedAt,
    inputBytes: call.inputBytes,
    outputBytes: call.outputBytes,
    instanceId,
  };
}

interface Listener {
  stream: SseStream;
  types: ReadonlySet<EventType>;
  key: string;
}

/** The event streams of this instance. */
export class LiveEvents {
  readonly #catalog: Catalog;
  readonly #audit: Pick<CallAudit, "onCall">;
  readonly #instanceId: string;
  readonly #log: Logger;
  readonly #perKeyLimit: number;
  readonly #totalLimit: number;
  readonly #pingMs: number;
  readonly #listeners = new Set<Listener>();
  readonly #perKey = new Map<string, number>();
  readonly #known = new Map<string, SpokeState>();
  #pendingCalls: Array<Readonly<CallRecord>> = [];
  #droppedCalls = 0;
  #stopCatalog: (() => void) | undefined;
  #stopCalls: (() => void) | undefined;
  #ping: ReturnType<typeof setInterval> | undefined;

  constructor(opts: {
    catalog: Catalog;
    audit: Pick<CallAudit, "onCall">;
    instanceId: string;
    log: Logger;
    streamsPerKey?: number;
    maxStreams?: number;
    pingMs?: number;
  }) {
    this.#catalog = opts.catalog;
    this.#audit = opts.audit;
    this.#instanceId = opts.instanceId;
    this.#log = opts.log;
    this.#perKeyLimit = opts.streamsPerKey ?? DEFAULT_STREAMS_PER_KEY;
    this.#totalLimit = opts.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.#pingMs = opts.pingMs ?? EVENT_PING_MS;
  }

  /** Streams open now. */
  get streamCount(): number {
    return this.#listeners.size;
  }

  /**
   * Opens a stream of `types` for `key` (the caller's key id, or another stable name of the caller); it ends
   * when `signal` aborts. Throws `HubError` `RATE_LIMITED` past the per-key or total limit.
   */
  open(key: string, types: ReadonlySet<EventType>, signal: AbortSignal): Response {
    if ((this.#perKey.get(key) ?? 0) >= this.#perKeyLimit) {
      throw new HubError("RATE_LIMITED", `this key already has ${this.#perKeyLimit} event streams open`);
    }
    if (this.#listeners.size >= this.#totalLimit) {
      throw new HubError("RATE_LIMITED", `this instance already serves ${this.#totalLimit} event streams`);
    }
    const listener: Listener = {
      key,
      types,
      stream: new SseStream({ onEnd: (reason) => this.#remove(listener, reason) }),
    };
    this.#listeners.add(listener);
    this.#perKey.set(key, (this.#perKey.get(key) ?? 0) + 1);
    this.#watch();
    listener.stream.send(sseComment("connected"));
    if (signal.aborted) listener.stream.close();
    else signal.addEventListener("abort", () => listener.stream.close(), { once: true });
    return listener.stream.response;
  }

  /** Ends every stream (the hub stops). */
  closeAll(): void {
    for (const listener of [...this.#listeners]) listener.stream.close();
  }

  #remove(listener: Listener, reason: "closed" | "slow"): void {
    if (!this.#listeners.delete(listener)) return;
    const left = (this.#perKey.get(listener.key) ?? 1) - 1;
    if (left > 0) this.#perKey.set(listener.key, left);
    else this.#perKey.delete(listener.key);
    if (reason === "slow")
      this.#log.warn("dropped an event stream that read too slowly", { key: listener.key });
    this.#watch();
  }

  /** Watches the catalog, the calls and the ping clock exactly while some stream wants them. */
  #watch(): void {
    const wants = (type: EventType) => [...this.#listeners].some((listener) => listener.types.has(type));
    if (wants("catalog") && !this.#stopCatalog) {
      this.#known.clear();
      for (const spoke of this.#catalog.allSpokes()) this.#known.set(spoke.name, stateOf(spoke));
      this.#stopCatalog = this.#catalog.onChange((name) => this.#catalogChanged(name));
    } else if (!wants("catalog") && this.#stopCatalog) {
      this.#stopCatalog();
      this.#stopCatalog = undefined;
      this.#known.clear();
    }
    if (wants("call") && !this.#stopCalls) {
      this.#stopCalls = this.#audit.onCall((call) => this.#callFinished(call));
    } else if (!wants("call") && this.#stopCalls) {
      this.#stopCalls();
      this.#stopCalls = undefined;
    }
    if (this.#listeners.size > 0 && !this.#ping) {
      this.#ping = setInterval(() => this.#send("ping", sseComment("ping")), this.#pingMs);
      this.#ping.unref?.();
    } else if (this.#listeners.size === 0 && this.#ping) {
      clearInterval(this.#ping);
      this.#ping = undefined;
    }
  }

  #catalogChanged(name: string): void {
    const spoke = this.#catalog.spoke(name);
    const kind = catalogEventKind(this.#known.get(name), spoke);
    if (spoke) this.#known.set(name, stateOf(spoke));
    else this.#known.delete(name);
    if (!kind) return;
    const data: CatalogEventData = {
      kind,
      spoke: name,
      instanceId: spoke?.instanceId ?? null,
      at: new Date().toISOString(),
    };
    this.#send("catalog", sseEvent("catalog", data));
  }

  /** On the relay's stack: copy the record (it is reused) and send it after the call's own work is done. */
  #callFinished(call: Readonly<CallRecord>): void {
    if (this.#pendingCalls.length >= MAX_PENDING_CALLS) {
      this.#droppedCalls++;
      return;
    }
    if (this.#pendingCalls.length === 0) setImmediate(() => this.#flushCalls());
    this.#pendingCalls.push({ ...call });
  }

  #flushCalls(): void {
    const calls = this.#pendingCalls;
    this.#pendingCalls = [];
    for (const call of calls) this.#send("call", sseEvent("call", liveCallItem(call, this.#instanceId)));
    if (this.#droppedCalls > 0) {
      this.#log.warn("call events dropped: more finished calls than the event streams could take", {
        dropped: this.#droppedCalls,
      });
      this.#droppedCalls = 0;
    }
  }

  #send(type: EventType | "ping", chunk: Uint8Array): void {
    for (const listener of [...this.#listeners]) {
      if (type === "ping" || listener.types.has(type)) listener.stream.send(chunk);
    }
  }
}
