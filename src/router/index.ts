export { CallMetrics } from "./call-metrics.ts";
export {
  type CollectedResult,
  CollectingSink,
  type CollectLimits,
  DEFAULT_COLLECT_LIMITS,
} from "./collecting-sink.ts";
export { HubOperations } from "./hub-operations.ts";
export { type Route, routeCall } from "./route.ts";
export { Router, type RouterOptions, type RouterSettings, type SpokeReplyFrame } from "./router.ts";
export {
  type AuditSink,
  type CallerContext,
  type CallHandle,
  type CallOutcome,
  type CallRecord,
  type CallRequest,
  type CallSink,
  newCallRecord,
  noopAudit,
  type SpokeLink,
  type SpokeLinks,
} from "./types.ts";
