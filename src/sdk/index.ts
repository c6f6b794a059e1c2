/**
 * The spoke SDK (`@alkdev/hub/spoke`): connect to a hub, register operations, serve calls, call other
 * operations, reconnect. Runs in Bun, Node ≥ 22, Deno and browsers; imports only `protocol/` and TypeBox. Built
 * into its own package by scripts/build-sdk.ts (packages/sdk/).
 */
export { HubError } from "../protocol/index.ts";
export {
  backoffDelayMs,
  DEFAULT_INITIAL_DELAY_MS,
  DEFAULT_MAX_DELAY_MS,
  drainDelayMs,
  sleep,
} from "./backoff.ts";
export { buildOperationSpecs, defineOperation } from "./define.ts";
export { SpokeConnectionError, SpokeOptionsError, SpokeProtocolError } from "./errors.ts";
export { toWireError } from "./incoming.ts";
export {
  DEFAULT_RETRY_ATTEMPTS,
  DEFAULT_RETRY_INITIAL_DELAY_MS,
  DEFAULT_RETRY_MAX_DELAY_MS,
  withRetry,
} from "./retry.ts";
export { safeUrl } from "./socket.ts";
export { connectSpoke, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DRAIN_TIMEOUT_MS } from "./spoke.ts";
export { TurnEndWriter } from "./turn-end.ts";
export type {
  AnyOperationDef,
  CallContext,
  CallOptions,
  OperationDef,
  ProgressUpdate,
  QueryOperationDef,
  ReconnectOptions,
  RetryOptions,
  Spoke,
  SpokeLogger,
  SpokeOptions,
  SpokeStatus,
  SubscribeOptions,
  SubscriptionOperationDef,
  WebSocketConstructor,
} from "./types.ts";
