export {
  type AdminSocket,
  isAdminSocketRequest,
  LOCAL_SOCKET_ADDRESS,
  localAdminHandler,
  socketAnswers,
  startAdminSocket,
} from "./admin-socket.ts";
export { docsRoute } from "./docs-route.ts";
export { ALWAYS_OPEN_PATHS } from "./health-routes.ts";
export { errorResponse, jsonResponse } from "./json-response.ts";
export { type McpRouteDeps, mcpRoutes } from "./mcp-route.ts";
export { checkOriginAndHost, type OriginPolicy, originPolicy } from "./origin-check.ts";
export {
  type Auth,
  actorOf,
  type KeyCheck,
  LOCAL_SOCKET_IDENTITY,
  metricsGuard,
  RequestAuthenticator,
} from "./request-auth.ts";
export { type ActorCheck, bearerActors, elysiaPath, type MountOptions, mountRoutes } from "./route-mount.ts";
export { type HttpServer, type HttpServerOptions, startHttpServer } from "./server.ts";
export { UI_CONTENT_SECURITY_POLICY, type UiRouteDeps, uiRoutes } from "./ui-routes.ts";
export { type WsRouteDeps, wsRoute } from "./ws-route.ts";
