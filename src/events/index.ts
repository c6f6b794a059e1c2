/**
 * Live events for operators (`GET /api/v1/events`): catalog changes and finished calls fanned out to bounded
 * Server-Sent Event streams, watched only while a stream is open.
 */
export {
  type CatalogEventData,
  type CatalogEventKind,
  catalogEventKind,
  DEFAULT_MAX_STREAMS,
  DEFAULT_STREAMS_PER_KEY,
  EVENT_PING_MS,
  EVENT_TYPES,
  type EventType,
  LiveEvents,
  liveCallItem,
} from "./live-events.ts";
export { DEFAULT_SSE_BUFFER_BYTES, SseStream, sseComment, sseEvent } from "./sse-stream.ts";
