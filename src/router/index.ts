export { CallMetrics, type CallOutcome } from "./call-metrics.ts";
export {
  type CollectedResult,
  CollectingSink,
  type CollectLimits,
  DEFAULT_COLLECT_LIMITS,
} from "./collecting-sink.ts";
export { HubOperations } from "./hub-operations.ts";
export { type Route, routeCall } from "./route.ts";
export { Router, type RouterOptions, type RouterSettings, type SpokeReplyFrame } from "./router.ts";
export type {
  CallerContext,
  CallHandle,
  CallRequest,
  CallSink,
  Calls,
  SpokeLink,
  SpokeLinks,
} from "./types.ts";
