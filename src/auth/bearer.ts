import { parseSubprotocolHeader } from "../protocol/index.ts";

/**
 * The API key a request presents: `Authorization: Bearer <key>`, or — for WebSocket clients that cannot set
 * headers — the `alkhub.bearer.<key>` subprotocol. Never the query string: URLs end up in logs.
 */
export function presentedKey(headers: Headers, options: { allowSubprotocol: boolean }): string | undefined {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  if (!options.allowSubprotocol) return undefined;
  return parseSubprotocolHeader(headers.get("sec-websocket-protocol")).token;
}
