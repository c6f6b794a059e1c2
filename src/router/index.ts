export { CallMetrics, type CallOutcome, type OperationCells } from "./call-metrics.ts";
export {
  type CollectedResult,
  CollectingSink,
  type CollectLimits,
  DEFAULT_COLLECT_LIMITS,
} from "./collecting-sink.ts";
export { HubOperations } from "./hub-operations.ts";
export { IdleWaiters } from "./idle-waiters.ts";
export { type Route, type RoutingCatalog, routeCall } from "./route.ts";
export { Router, type RouterOptions, type RouterSettings, type SpokeReplyFrame } from "./router.ts";
export { type Clock, SYSTEM_CLOCK, TimerWheel } from "./timer-wheel.ts";
export type {
  CallerContext,
  CallHandle,
  CallRequest,
  CallSink,
  Calls,
  SpokeFrameType,
  SpokeLink,
  SpokeLinks,
} from "./types.ts";
