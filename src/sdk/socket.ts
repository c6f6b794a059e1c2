/**
 * Opening the WebSocket with the key: as an `Authorization` header where the runtime allows it (Bun), else as
 * the `alkhub.bearer.<key>` subprotocol. Errors never contain the key.
 */
import { BATCH_SUBPROTOCOL, bearerSubprotocols, SUBPROTOCOL } from "../protocol/index.ts";
import { SpokeConnectionError } from "./errors.ts";
import type { WebSocketConstructor } from "./types.ts";

/** What `openSocket` needs. */
export interface OpenSocketOptions {
  url: string;
  token: string;
  auth: "auto" | "header" | "subprotocol";
  WebSocket: WebSocketConstructor | undefined;
  timeoutMs: number;
  signal: AbortSignal;
}

/** The URL without credentials, query or fragment, safe to put in errors and logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}

function construct(options: OpenSocketOptions): WebSocket {
  const native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  const Ctor = options.WebSocket ?? native;
  if (Ctor === undefined) {
    throw new SpokeConnectionError("no WebSocket implementation: pass options.WebSocket in this runtime");
  }
  const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  const useHeader = options.auth === "header" || (options.auth === "auto" && isBun && Ctor === native);
  try {
    if (useHeader) {
      // Bun's own extension of the constructor; other runtimes would ignore the headers.
      const BunSocket = Ctor as unknown as new (url: string, init: object) => WebSocket;
      return new BunSocket(options.url, {
        headers: { Authorization: `Bearer ${options.token}` },
        protocols: [BATCH_SUBPROTOCOL, SUBPROTOCOL],
      });
    }
    return new Ctor(options.url, [BATCH_SUBPROTOCOL, ...bearerSubprotocols(options.token)]);
  } catch (error) {
    // The runtime's message may quote the subprotocol, which holds the key: keep only the error's name.
    const kind = error instanceof Error ? error.name : "Error";
    throw new SpokeConnectionError(
      `cannot open a WebSocket to ${safeUrl(options.url)} (${kind}): check the URL, and that the key has only ` +
        "characters allowed in a subprotocol",
    );
  }
}

/** Opens the socket and resolves once it is open; rejects on failure, timeout or `signal`. */
export function openSocket(options: OpenSocketOptions): Promise<WebSocket> {
  const where = safeUrl(options.url);
  return new Promise((resolve, reject) => {
    const ws = construct(options);
    const timer = setTimeout(
      () => fail(`opening ${where} took longer than ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    const onAbort = () => fail(`connecting to ${where} was cancelled`);
    const cleanup = () => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      ws.removeEventListener("open", onOpen);
      ws.removeEventListener("close", onClose);
    };
    function fail(message: string, closeCode?: number) {
      cleanup();
      try {
        ws.close();
      } catch {
        // already closing
      }
      reject(new SpokeConnectionError(message, closeCode === undefined ? undefined : { closeCode }));
    }
    function onOpen() {
      if (ws.protocol !== "" && ws.protocol !== SUBPROTOCOL && ws.protocol !== BATCH_SUBPROTOCOL) {
        return fail(
          `${where} answered subprotocol ${JSON.stringify(ws.protocol)}; this SDK speaks ${SUBPROTOCOL}`,
        );
      }
      cleanup();
      resolve(ws);
    }
    function onClose(event: CloseEvent) {
      fail(
        `could not connect to ${where} (close ${event.code}${event.reason ? `: ${event.reason}` : ""}): check the ` +
          "URL, that the hub is up, and the key (the hub refuses a bad key with HTTP 401)",
        event.code,
      );
    }
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener("abort", onAbort, { once: true });
    ws.addEventListener("open", onOpen);
    ws.addEventListener("close", onClose);
  });
}
