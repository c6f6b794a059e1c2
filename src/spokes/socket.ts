/**
 * The small socket contract connection logic works on (STYLE.md 4). The Bun adapter in `http/` implements it;
 * tests can drive a session with their own.
 */
export interface FrameSocket {
  /**
   * Sends one text frame. Returns the bytes written, -1 when it was queued behind backpressure, 0 when it was
   * dropped because the connection's buffer is full.
   */
  send(text: string): number;
  /** Sends a WebSocket ping. */
  ping(): void;
  close(code: number, reason: string): void;
}

/** A connection's phase; it only moves forward (STYLE.md 8). */
export type ConnectionPhase = "handshaking" | "ready" | "draining" | "closing" | "closed";

const PHASE_ORDER: Record<ConnectionPhase, number> = {
  handshaking: 0,
  ready: 1,
  draining: 2,
  closing: 3,
  closed: 4,
};

/** Whether a connection may move from `from` to `to` (never backwards). */
export function canAdvance(from: ConnectionPhase, to: ConnectionPhase): boolean {
  return PHASE_ORDER[to] > PHASE_ORDER[from];
}
