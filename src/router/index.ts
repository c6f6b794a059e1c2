export { CallMetrics, type OperationCells } from "./call-metrics.ts";
export {
  addSeries,
  CallStats,
  STATS_BUCKET_MS,
  STATS_BUCKETS,
  type StatsSeries,
} from "./call-stats.ts";
export {
  type CollectedResult,
  CollectingSink,
  type CollectLimits,
  DEFAULT_COLLECT_LIMITS,
} from "./collecting-sink.ts";
export { HubOperations } from "./hub-operations.ts";
export { IdleWaiters } from "./idle-waiters.ts";
export {
  type Access,
  authorizeCall,
  linkFor,
  type Route,
  type RoutingCatalog,
  routeCall,
} from "./route.ts";
export { Router, type RouterOptions, type RouterSettings, type SpokeReplyFrame } from "./router.ts";
export { type Clock, SYSTEM_CLOCK, TimerWheel } from "./timer-wheel.ts";
export {
  type AuditSink,
  type CallerContext,
  type CallHandle,
  type CallOutcome,
  type CallRecord,
  type CallRequest,
  type CallSink,
  type Calls,
  type CallTrace,
  type CallTracer,
  type ForwardTrace,
  newCallRecord,
  noopAudit,
  type SpokeFrameType,
  type SpokeLink,
  type SpokeLinks,
} from "./types.ts";
