import { type AnyElysia, Elysia } from "elysia";
import type { HealthState, MetricsRegistry } from "../health/index.ts";
import type { Logger } from "../log/index.ts";
import { HubError } from "../protocol/index.ts";
import { isStoreUnavailable } from "../store/index.ts";
import { healthRoutes, startupGate } from "./health-routes.ts";
import { errorResponse } from "./json-response.ts";

/** How far past `maxBodyBytes` Bun's own body cap sits. */
const BODY_CAP_MARGIN_BYTES = 64 * 1024;

/** What the HTTP server needs at the moment it opens (before any dependency is connected). */
export interface HttpServerOptions {
  host: string;
  port: number;
  health: HealthState;
  metrics: MetricsRegistry;
  /**
   * Route groups of the later parts (ws, mcp, api). They are registered now but reach their subsystems
   * through deferred accessors: the startup gate keeps them closed until the hub is ready.
   */
  routes?: AnyElysia[];
  /** Refuses `/metrics` requests without an acceptable key (when `metrics.requireKey` is on). */
  guardMetrics?: (request: Request) => Promise<Response | undefined>;
  /** Largest request body on any route; larger declared bodies get 413 before any route runs. */
  maxBodyBytes: number;
  /** Where unexpected route errors are logged (their text never reaches the client). */
  log: Logger;
  /** Bun's WebSocket limits: one set for the whole server (PITFALLS.md §1). */
  websocket?: { maxPayloadLength: number; backpressureLimit: number; idleTimeout: number };
}

/** The listening HTTP server. */
export interface HttpServer {
  /** Base URL for local clients (a wildcard host is reported as 127.0.0.1). */
  readonly url: string;
  readonly port: number;
  /** The socket peer address of a request this server received. */
  requestIP(request: Request): string | undefined;
  /** Stops listening and closes every open connection. */
  stop(): Promise<void>;
}

/** Opens the listener right away; until the hub is ready only the health paths answer (others get 503). */
export function startHttpServer(options: HttpServerOptions): HttpServer {
  // Bun has one WebSocket config per server, and Elysia reads it only from the root app's constructor.
  const websocket = options.websocket && {
    ...options.websocket,
    // Slow consumers are closed by the session with its own code when send() reports a drop.
    closeOnBackpressureLimit: false,
    // The spoke gateway pings on its own schedule and closes silent connections itself.
    sendPings: false,
    perMessageDeflate: false,
  };
  const app = new Elysia(websocket ? { websocket } : {})
    .onRequest(({ request }) => {
      const declared = request.headers.get("content-length");
      if (declared !== null && Number(declared) > options.maxBodyBytes) {
        return errorResponse(
          new HubError("PAYLOAD_TOO_LARGE", `the body is larger than ${options.maxBodyBytes} bytes`),
        );
      }
    })
    .onError({ as: "global" }, ({ code, error, request }) => {
      if (code === "NOT_FOUND") return errorResponse(new HubError("OPERATION_NOT_FOUND", "no such route"));
      if (code === "PARSE" || code === "VALIDATION")
        return errorResponse(new HubError("VALIDATION_ERROR", "the request could not be read"));
      if (error instanceof HubError) return errorResponse(error);
      if (isStoreUnavailable(error)) {
        // The database is away: a retryable 503, like every other surface says it (never the driver's text).
        options.log.warn("request failed: the store is unreachable", { path: new URL(request.url).pathname });
        return errorResponse(
          new HubError("UNAVAILABLE", "the store is unreachable right now; retry", {
            details: { retryAfterMs: 1000 },
          }),
        );
      }
      // Driver and engine errors carry SQL, parameters and internals: log them, answer a plain 500.
      options.log.error("request failed", { path: new URL(request.url).pathname, error });
      return errorResponse(new HubError("UNKNOWN_ERROR", "internal error"));
    })
    .use(startupGate(options.health))
    .use(healthRoutes(options.health, options.metrics, options.guardMetrics));
  for (const routes of options.routes ?? []) app.use(routes);
  // Bun's own cap is the backstop for bodies streamed without a length; routes that read a body count it
  // themselves and answer 413 first (hence the margin).
  app.listen({
    hostname: options.host,
    port: options.port,
    maxRequestBodySize: options.maxBodyBytes + BODY_CAP_MARGIN_BYTES,
  });
  const server = app.server;
  if (!server) throw new Error("HTTP server did not start");
  const host = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`,
    port: server.port ?? options.port,
    requestIP: (request) => server.requestIP(request)?.address,
    async stop() {
      await app.stop(true);
    },
  };
}
