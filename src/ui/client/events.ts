/**
 * The hub's live event stream (`GET /api/v1/events`, server-sent events) read with fetch rather than
 * EventSource: EventSource cannot send the CSRF header a session needs. Reconnects with backoff until `signal`
 * aborts; `onState` says whether the stream is up (pages fall back to polling while it is not).
 */

/** One server-sent event. */
export interface HubEvent {
  type: string;
  data: unknown;
}

/** Follows the stream of event `types` until `signal` aborts. */
export function followEvents(
  types: string[],
  signal: AbortSignal,
  onEvent: (event: HubEvent) => void,
  onState: (live: boolean) => void,
): void {
  let delayMs = 1000;
  const run = async () => {
    while (!signal.aborted) {
      try {
        const response = await fetch(`/api/v1/events?types=${encodeURIComponent(types.join(","))}`, {
          credentials: "same-origin",
          headers: { "x-alkhub-csrf": "1", accept: "text/event-stream" },
          signal,
        });
        // No stream on this hub (or no right to it): polling it is, for good.
        if (response.status === 404 || response.status === 403 || response.status === 401) {
          await response.body?.cancel();
          onState(false);
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState(true);
        delayMs = 1000;
        await readStream(response.body, onEvent);
      } catch {
        if (signal.aborted) return;
      }
      onState(false);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 15_000);
    }
  };
  void run();
}

async function readStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: HubEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replaceAll("\r\n", "\n");
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      dispatch(buffer.slice(0, end), onEvent);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
    }
  }
}

function dispatch(block: string, onEvent: (event: HubEvent) => void): void {
  let type = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return;
  try {
    onEvent({ type, data: JSON.parse(data.join("\n")) });
  } catch {
    // A line the dashboard cannot read is skipped, not fatal.
  }
}
