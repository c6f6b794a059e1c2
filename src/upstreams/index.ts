/**
 * Upstreams (docs/upstreams.md): Streamable HTTP MCP servers the hub dials and offers as spokes, their headers
 * filled from sealed client secrets at dial time; one instance of a cluster holds each.
 */
export { ensureAccountId } from "./account.ts";
export { inProcessWebSocket } from "./in-process-socket.ts";
export type { UpstreamDeps, UpstreamStatus } from "./upstream.ts";
export { UpstreamInputError, Upstreams } from "./upstreams.ts";
