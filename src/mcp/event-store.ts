import type { EventStore } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** Most events one session keeps for resumption; the oldest go first. */
export const SESSION_EVENT_LIMIT = 256;
/** The `retry` (ms) the hub sends on its SSE streams: how long a client waits before it resumes one. */
export const SSE_RETRY_MS = 1_000;

interface StoredEvent {
  seq: number;
  streamId: string;
  message: JSONRPCMessage;
}

/**
 * The SSE events of one session, so that a client whose stream closed resumes it with `Last-Event-ID` (SEP-1699):
 * event ids are `<seq>.<streamId>`, and a resumed GET gets the events of that stream after that id. Bounded by
 * count; it lives and dies with its session on this instance (a stream resumed on another instance finds no
 * events — the task API of 2026-07-28 is what survives moving between instances).
 */
export class SessionEventStore implements EventStore {
  readonly #events: StoredEvent[] = [];
  #seq = 0;

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const seq = ++this.#seq;
    this.#events.push({ seq, streamId, message });
    if (this.#events.length > SESSION_EVENT_LIMIT) this.#events.shift();
    return `${seq}.${streamId}`;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return parseEventId(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const parsed = parseEventId(lastEventId);
    if (!parsed) return "";
    for (const event of this.#events) {
      if (event.streamId !== parsed.streamId || event.seq <= parsed.seq) continue;
      // The priming event carries no message: nothing to replay for it.
      if (!("jsonrpc" in event.message)) continue;
      await send(`${event.seq}.${event.streamId}`, event.message);
    }
    return parsed.streamId;
  }
}

function parseEventId(eventId: string): { seq: number; streamId: string } | undefined {
  const dot = eventId.indexOf(".");
  if (dot <= 0 || eventId.length > 200) return undefined;
  const seq = Number(eventId.slice(0, dot));
  return Number.isSafeInteger(seq) ? { seq, streamId: eventId.slice(dot + 1) } : undefined;
}
