export { ALWAYS_OPEN_PATHS } from "./health-routes.ts";
export { type HttpServer, type HttpServerOptions, startHttpServer } from "./server.ts";
