/**
 * The frame envelope and one TypeBox schema per frame payload (PROTOCOL.md › Frames). Payload objects allow
 * unknown properties (ignored) so that a newer peer can add optional fields without breaking an older one.
 */
import { type Static, Type } from "@sinclair/typebox";
import { DOMAIN_CODE_PATTERN } from "./errors.ts";
import { MAX_NAME_LENGTH } from "./names.ts";
import { TraceContext } from "./trace.ts";

/** Longest frame or request id, in characters (a UUID is 36). */
export const MAX_ID_LENGTH = 128;

/** A frame id / requestId: chosen by the sender, unique per connection (UUIDs recommended). */
export const RequestId = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH });

/** Who made a call, as the hub tells the spoke: the caller's key id and its scopes. */
export const Caller = Type.Object({
  id: Type.String({ minLength: 1 }),
  scopes: Type.Array(Type.String()),
});
export type Caller = Static<typeof Caller>;

const callRequestedFields = {
  requestId: RequestId,
  /** Published name (`dev1.fs.readFile`, `hub.list`) towards the hub; the local name towards a spoke. */
  operation: Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH }),
  input: Type.Unknown(),
  /** Epoch milliseconds after which the caller no longer wants the answer. */
  deadline: Type.Optional(Type.Integer({ minimum: 0 })),
  parentRequestId: Type.Optional(RequestId),
  /** Whether the caller wants `call.progress` frames. */
  progress: Type.Optional(Type.Boolean()),
  /**
   * W3C trace context of the span this call continues (see trace.ts). Towards the hub: the caller's span;
   * towards a spoke: the hub's relay span when the hub traces, else the caller's context passed on unchanged.
   */
  trace: Type.Optional(TraceContext),
};

/** `call.requested` as a caller sends it to the hub. A `caller` field, if sent, is ignored by the hub. */
export const CallRequestedPayload = Type.Object({
  ...callRequestedFields,
  caller: Type.Optional(Caller),
});
export type CallRequestedPayload = Static<typeof CallRequestedPayload>;

/** `call.requested` as the hub sends it to a spoke: always says who is calling. */
export const HubCallRequestedPayload = Type.Object({ ...callRequestedFields, caller: Caller });
export type HubCallRequestedPayload = Static<typeof HubCallRequestedPayload>;

/** One answer: once for query/mutation, once per item for a subscription. */
export const CallRespondedPayload = Type.Object({ requestId: RequestId, output: Type.Unknown() });
export type CallRespondedPayload = Static<typeof CallRespondedPayload>;

/** End of a subscription stream. */
export const CallCompletedPayload = Type.Object({ requestId: RequestId });
export type CallCompletedPayload = Static<typeof CallCompletedPayload>;

/** Progress of a call: `progress` out of `total` (both in the operation's own unit). */
export const CallProgressPayload = Type.Object({
  requestId: RequestId,
  progress: Type.Number(),
  total: Type.Optional(Type.Number()),
  message: Type.Optional(Type.String()),
});
export type CallProgressPayload = Static<typeof CallProgressPayload>;

/** Log levels of `call.log`, the syslog set MCP uses (lowest first). */
export const LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;
export const CallLogLevel = Type.Union(LOG_LEVELS.map((level) => Type.Literal(level)));
export type CallLogLevel = Static<typeof CallLogLevel>;

/**
 * A log message about a call, from the spoke serving it (an addition to PROTOCOL.md's table, see
 * docs/protocol.md). The hub passes it to the caller; MCP clients receive it as `notifications/message`.
 */
export const CallLogPayload = Type.Object({
  requestId: RequestId,
  level: CallLogLevel,
  data: Type.Unknown(),
  logger: Type.Optional(Type.String({ maxLength: 128 })),
});
export type CallLogPayload = Static<typeof CallLogPayload>;

/** A call failed: a hub code from `ERROR_CODES` or a spoke's own `[A-Z][A-Z0-9_]*` domain code. */
export const CallErrorPayload = Type.Object({
  requestId: RequestId,
  code: Type.String({ pattern: DOMAIN_CODE_PATTERN.source, maxLength: 64 }),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
});
export type CallErrorPayload = Static<typeof CallErrorPayload>;

/** Stop work on a call; the receiver sends nothing more for it. */
export const CallAbortedPayload = Type.Object({
  requestId: RequestId,
  reason: Type.Optional(Type.String()),
});
export type CallAbortedPayload = Static<typeof CallAbortedPayload>;

/** The hub is going away: reconnect (to any instance) after `retryAfterMs`; in-flight calls still complete. */
export const HubDrainingPayload = Type.Object({ retryAfterMs: Type.Integer({ minimum: 0 }) });
export type HubDrainingPayload = Static<typeof HubDrainingPayload>;

/** A frame could not be accepted; `ref` is that frame's id when it could be read. */
export const ProtocolErrorPayload = Type.Object({
  message: Type.String(),
  ref: Type.Optional(Type.String()),
});
export type ProtocolErrorPayload = Static<typeof ProtocolErrorPayload>;

/** Payload type of each frame type (with the optional-caller form of `call.requested`). */
export interface FramePayloads {
  "call.requested": CallRequestedPayload;
  "call.responded": CallRespondedPayload;
  "call.completed": CallCompletedPayload;
  "call.progress": CallProgressPayload;
  "call.log": CallLogPayload;
  "call.error": CallErrorPayload;
  "call.aborted": CallAbortedPayload;
  "hub.draining": HubDrainingPayload;
  "protocol.error": ProtocolErrorPayload;
}

/** Every frame type, in PROTOCOL.md's order. */
export const FRAME_TYPES = [
  "call.requested",
  "call.responded",
  "call.completed",
  "call.progress",
  "call.log",
  "call.error",
  "call.aborted",
  "hub.draining",
  "protocol.error",
] as const satisfies readonly (keyof FramePayloads)[];

export type FrameType = (typeof FRAME_TYPES)[number];

/** Which way a frame travels: `to-hub` (sent by a spoke or client) or `from-hub` (sent by the hub). */
export type FrameDirection = "to-hub" | "from-hub";

/** Who may send each frame type: `both`, or only the hub. */
export const FRAME_SENDERS: Record<FrameType, "both" | "hub"> = {
  "call.requested": "both",
  "call.responded": "both",
  "call.completed": "both",
  "call.progress": "both",
  "call.log": "both",
  "call.error": "both",
  "call.aborted": "both",
  "hub.draining": "hub",
  "protocol.error": "both",
};

/** Frame types whose `id` is the call's `requestId` (and must equal `payload.requestId`). */
export const CALL_FRAME_TYPES: ReadonlySet<FrameType> = new Set([
  "call.requested",
  "call.responded",
  "call.completed",
  "call.progress",
  "call.log",
  "call.error",
  "call.aborted",
]);

/** The envelope every text frame carries: `{ type, id, payload }`. */
export type Frame<T extends FrameType = FrameType> = {
  [K in T]: { type: K; id: string; payload: FramePayloads[K] };
}[T];

/** A frame the hub accepts from a spoke or client (everything except `hub.draining`). */
export type ToHubFrame = Frame<Exclude<FrameType, "hub.draining">>;

/** A frame the hub sends: as `Frame`, but `call.requested` always carries `caller`. */
export type FromHubFrame =
  | Frame<Exclude<FrameType, "call.requested">>
  | { type: "call.requested"; id: string; payload: HubCallRequestedPayload };
