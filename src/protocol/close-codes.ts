/** WebSocket close codes (PROTOCOL.md › Close codes). The one table every socket close uses. */
export const CLOSE_CODES = {
  /** Normal closure. */
  NORMAL: 1000,
  /** Two heartbeats missed. */
  HEARTBEAT_LOST: 1001,
  /** A frame over the size limit. */
  FRAME_TOO_BIG: 1009,
  /** The hub is restarting or draining: reconnect, to any instance. */
  HUB_RESTARTING: 1012,
  /** The peer read too slowly: its send buffer passed the backpressure limit ("try again later"). */
  SLOW_CONSUMER: 1013,
  /** Too many protocol violations. */
  PROTOCOL_VIOLATION: 4400,
  /** The key was revoked or expired mid-session. */
  KEY_REVOKED: 4401,
  /** The key may not do what the connection asked. */
  FORBIDDEN: 4403,
  /** Another connection took over this spoke's name. */
  TAKEN_OVER: 4409,
  /** Rate limited. */
  RATE_LIMITED: 4429,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];
