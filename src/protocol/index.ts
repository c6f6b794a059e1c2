/**
 * The `/ws` wire protocol (PROTOCOL.md), shared by the hub and the spoke SDK. Runs in Bun, Node and browsers:
 * imports nothing but `@sinclair/typebox`.
 *
 * Conventions both sides follow:
 * - Hub operations (`hub.register`, `hub.list`, …) are ordinary calls: a `call.requested` whose `operation`
 *   starts with `hub.`, answered by `call.responded` or `call.error`.
 * - Towards a spoke, `call.requested.operation` is the spoke's local name (`fs.readFile`), never the published
 *   one; the id on that hop is the hub's own.
 * - The hub pings with WebSocket ping frames; any inbound frame also counts as liveness.
 * - For call frames the envelope `id` equals `payload.requestId`.
 */

export { batchedFrames, joinFrames, MAX_BATCH_CHARS } from "./batch.ts";
export {
  encodeCallAborted,
  encodeCallCompleted,
  encodeCallError,
  encodeCallLog,
  encodeCallProgress,
  encodeCallRequested,
  encodeCallResponded,
  jsonOf,
} from "./call-encoders.ts";
export { CLOSE_CODES, type CloseCode } from "./close-codes.ts";
export {
  checkFrameValue,
  encodeFrame,
  frameChecker,
  isFrameType,
  type ParseResult,
  parseFrame,
} from "./codec.ts";
export {
  DOMAIN_CODE_PATTERN,
  ERROR_CODES,
  type ErrorCode,
  HTTP_STATUS_BY_CODE,
  HubError,
  isHubErrorCode,
  type WireError,
} from "./errors.ts";
export {
  CALL_FRAME_TYPES,
  CallAbortedPayload,
  CallCompletedPayload,
  CallErrorPayload,
  Caller,
  CallLogLevel,
  CallLogPayload,
  CallProgressPayload,
  CallRequestedPayload,
  CallRespondedPayload,
  FRAME_SENDERS,
  FRAME_TYPES,
  type Frame,
  type FrameDirection,
  type FramePayloads,
  type FrameType,
  type FromHubFrame,
  HubCallRequestedPayload,
  HubDrainingPayload,
  LOG_LEVELS,
  MAX_ID_LENGTH,
  ProtocolErrorPayload,
  RequestId,
  type ToHubFrame,
} from "./frames.ts";
export {
  HubCallInput,
  HubListInput,
  HubListOutput,
  HubSchemaInput,
  HubSearchInput,
  OperationSummary,
} from "./hub-operations.ts";
export { jsonDepthExceeds, warmJsonDepth } from "./json-depth.ts";
export {
  isValidSegment,
  localOf,
  MAX_NAME_LENGTH,
  MAX_SEGMENT_LENGTH,
  type NameCheck,
  OPERATION_NAME_PATTERN,
  publishedName,
  RESERVED_SPOKE_NAMES,
  SEGMENT_PATTERN,
  spokeOf,
  validateOperationName,
  validateSpokeName,
} from "./names.ts";
export { JsonObject, OperationAnnotations, OperationSpec, OperationType, SpokeName } from "./operation.ts";
export {
  checkRegisterInput,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_SPOKE_LIMITS,
  HubRegisterInput,
  HubRegisterOutput,
  registerInputChecker,
  registerOutputChecker,
  SpokeLimits,
  utf8Length,
  Visibility,
} from "./register.ts";
export { compileChecker, type SchemaChecker } from "./schema-check.ts";
export {
  formatTraceparent,
  MAX_TRACESTATE_LENGTH,
  parseTraceparent,
  readTraceContext,
  type SpanParent,
  TRACEPARENT_LENGTH,
  TRACEPARENT_PATTERN,
  TraceContext,
  traceJson,
} from "./trace.ts";
export {
  BATCH_SUBPROTOCOL,
  BEARER_SUBPROTOCOL_PREFIX,
  bearerSubprotocols,
  HUB_OPERATION_PREFIX,
  HUB_OPERATIONS,
  type HubOperation,
  isHubOperation,
  type OfferedSubprotocols,
  PROTOCOL_VERSION,
  parseSubprotocolHeader,
  SUBPROTOCOL,
} from "./version.ts";
