import type { McpTarget } from "../server-factory.ts";
import { EventStreamAnswer } from "./stream-answer.ts";
import { errorAnswer, INVALID_PARAMS, META_SUBSCRIPTION_ID, type NextRequest } from "./wire.ts";

/** Open `subscriptions/listen` streams one instance keeps at most; past it a new one is refused (503). */
export const MAX_LISTEN_STREAMS = 1_000;
/** Open listen streams one key holds at most on one instance; past it a new one is refused (429). */
export const MAX_LISTEN_STREAMS_PER_KEY = 16;

interface Listener {
  keyId: string;
  spokeName: string | undefined;
  subscriptionId: string | number;
  stream: EventStreamAnswer;
}

/**
 * `subscriptions/listen` (SEP-2575): the stateless revision's replacement of the session's GET stream. A listener
 * names the notifications it wants; the hub grants those it can send — `toolsListChanged` on a spoke endpoint,
 * whose tools change when the spoke re-registers — acknowledges with `notifications/subscriptions/acknowledged`
 * first, and tags every notification with the subscription id. The stream ends when the client drops it.
 */
export class ListenStreams {
  readonly #listeners = new Set<Listener>();

  get size(): number {
    return this.#listeners.size;
  }

  open(next: NextRequest, keyId: string, target: McpTarget, signal: AbortSignal): Response {
    const filter = next.params.notifications;
    if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
      return errorAnswer(
        next.id,
        400,
        INVALID_PARAMS,
        "Invalid params: params.notifications must be an object",
      );
    }
    if (this.#listeners.size >= MAX_LISTEN_STREAMS) {
      return errorAnswer(next.id, 503, -32000, "Too many listen streams on this instance; retry later");
    }
    let held = 0;
    for (const listener of this.#listeners) if (listener.keyId === keyId) held++;
    if (held >= MAX_LISTEN_STREAMS_PER_KEY) {
      return errorAnswer(
        next.id,
        429,
        -32000,
        `This key holds ${held} listen streams here already; close one first`,
      );
    }
    const wantsTools = (filter as { toolsListChanged?: unknown }).toolsListChanged === true;
    const granted = target.kind === "spoke" && wantsTools ? { toolsListChanged: true } : {};
    const stream = new EventStreamAnswer();
    const listener: Listener = {
      keyId,
      spokeName: target.kind === "spoke" && wantsTools ? target.spokeName : undefined,
      subscriptionId: next.id,
      stream,
    };
    stream.notify({
      jsonrpc: "2.0",
      method: "notifications/subscriptions/acknowledged",
      params: { notifications: granted, _meta: { [META_SUBSCRIPTION_ID]: next.id } },
    });
    const response = stream.open();
    this.#listeners.add(listener);
    const end = () => this.#listeners.delete(listener);
    signal.addEventListener("abort", end, { once: true });
    stream.onCancel(end);
    return response;
  }

  /** The tools of `spokeName` changed: tell the listeners that asked. */
  toolsChanged(spokeName: string): void {
    for (const listener of this.#listeners) {
      if (listener.spokeName !== spokeName) continue;
      listener.stream.notify({
        jsonrpc: "2.0",
        method: "notifications/tools/list_changed",
        params: { _meta: { [META_SUBSCRIPTION_ID]: listener.subscriptionId } },
      });
    }
  }

  closeAll(): void {
    for (const listener of this.#listeners) listener.stream.end();
    this.#listeners.clear();
  }
}
