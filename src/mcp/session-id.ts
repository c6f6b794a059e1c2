import { createHmac, timingSafeEqual } from "node:crypto";

const RANDOM_BYTES = 18;

/**
 * MCP session ids that every hub instance accepts (MCP.md › Transport: no sticky sessions). An id is
 * `<random>.<mac>`, where the MAC binds the random part to the API key that opened the session and to the
 * endpoint it was opened on (`/mcp` or `/mcp/spokes/<name>`), keyed with a secret every instance derives from
 * the shared master key. Any instance can check an id it did not mint, and a session id is useless with another
 * key or on another endpoint.
 */
export class SessionIds {
  readonly #secret: Uint8Array;

  constructor(secret: Uint8Array) {
    this.#secret = secret;
  }

  /** A new session id for a session opened with key `keyId` on the endpoint at `path`. */
  mint(keyId: string, path: string): string {
    const random = Buffer.from(crypto.getRandomValues(new Uint8Array(RANDOM_BYTES))).toString("base64url");
    return `${random}.${this.#mac(random, keyId, path)}`;
  }

  /** Whether `sessionId` was minted (by any instance) for key `keyId` on `path`. Constant-time on the MAC. */
  verify(sessionId: string, keyId: string, path: string): boolean {
    const dot = sessionId.indexOf(".");
    if (dot <= 0 || sessionId.length > 200) return false;
    const expected = Buffer.from(this.#mac(sessionId.slice(0, dot), keyId, path));
    const presented = Buffer.from(sessionId.slice(dot + 1));
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  }

  #mac(random: string, keyId: string, path: string): string {
    return createHmac("sha256", this.#secret)
      .update(`${random}\u0000${keyId}\u0000${path}`)
      .digest("base64url")
      .slice(0, 32);
  }
}
