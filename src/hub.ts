/**
 * `startHub()`: the composition root. It runs the startup steps of ARCHITECTURE.md › Lifecycle in order through
 * one `Supervisor` and returns a handle whose `stop()` runs the mirror (every part drained, then stopped, newest
 * first). Every step is named in `/health` while it runs; a failing step is logged with its name and rethrown
 * (its error carries the process exit code).
 */

import { type ApiDeps, apiRouteTable } from "./admin/index.ts";
import { writeAuditRow } from "./audit/index.ts";
import type { Identity, VerifyResult } from "./auth/index.ts";
import { KeyVerifier, Revocations, verifyApiKeyId } from "./auth/index.ts";
import { type Bus, connectRedisBus, createMemoryBus } from "./bus/index.ts";
import { SchemaCompiler } from "./catalog/index.ts";
import { type HubConfig, loadConfig, resolveConfigPath, resolveMasterKeyPath } from "./config/index.ts";
import { hkdfKey, KeyRing, readMasterKeyFile } from "./crypto/index.ts";
import {
  DependencyMonitor,
  HealthState,
  LoopMonitor,
  MetricsRegistry,
  registerProcessMetrics,
} from "./health/index.ts";
import {
  type AdminSocket,
  bearerActors,
  docsRoute,
  type HttpServer,
  mcpRoutes,
  metricsGuard,
  mountRoutes,
  originPolicy,
  RequestAuthenticator,
  startAdminSocket,
  startHttpServer,
  uiRoutes,
  wsRoute,
} from "./http/index.ts";
import { buildHubParts, type HubParts } from "./hub-parts.ts";
import { ReadyParts, retryUntilAvailable, StartupStepError, Supervisor } from "./lifecycle/index.ts";
import { type AuthFailureRow, AuthFailures, KeyLimits } from "./limits/index.ts";
import { createLogger, type Logger, type LogSink } from "./log/index.ts";
import { connectRedisPresence, createMemoryPresence } from "./presence/index.ts";
import { openStore, type Store } from "./store/index.ts";
import { SESSION_KEY_INFO, SessionSealer } from "./ui/index.ts";
import { BUILD_INFO } from "./version.ts";

export { StartupStepError };

/** How `startHub` finds its configuration and where it logs. */
export interface HubOptions {
  /** `--config`; otherwise the resolution order of CONFIG.md. */
  configPath?: string;
  /** `--master-key-file`; otherwise the resolution order of CONFIG.md. */
  masterKeyPath?: string;
  /** Overrides `server.host` / `server.port` (tests listen on port 0). */
  listen?: { host?: string; port?: number };
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Where log lines go (stderr by default). */
  logSink?: LogSink;
}

/** A running hub. */
export interface Hub {
  readonly url: string;
  readonly port: number;
  readonly instanceId: string;
  readonly config: HubConfig;
  readonly health: HealthState;
  readonly metrics: MetricsRegistry;
  readonly store: Store;
  readonly bus: Bus;
  readonly keys: KeyVerifier;
  readonly subsystems: HubParts;
  readonly log: Logger;
  /** Graceful shutdown in reverse startup order; calling it again returns the same promise. */
  stop(): Promise<void>;
}

/** What the HTTP routes reach once the hub is ready. */
interface RouteParts {
  keys: KeyVerifier;
  store: Store;
  bus: Bus;
  parts: HubParts;
  keyRing: KeyRing | undefined;
}

export async function startHub(options: HubOptions = {}): Promise<Hub> {
  const health = new HealthState();
  const metrics = new MetricsRegistry();
  let log = createLogger({ sink: options.logSink });
  const supervisor = new Supervisor({ log: () => log, onStep: (step) => health.enter(step) });
  const instanceId = crypto.randomUUID();
  const ready = new ReadyParts<RouteParts>();

  const paths = await supervisor.step("resolve-config", () => {
    const env = options.env ?? process.env;
    const cwd = options.cwd ?? process.cwd();
    const config = resolveConfigPath({ flag: options.configPath, env, cwd });
    return {
      configPath: config.path,
      masterKeyPath: resolveMasterKeyPath({ flag: options.masterKeyPath, configPath: config.path }),
    };
  });
  const { config, masterKey } = await supervisor.step("load-config", async () => {
    const masterKey = await readMasterKeyFile(paths.masterKeyPath, log);
    return { config: await loadConfig({ path: paths.configPath, masterKey }), masterKey };
  });
  let loop: LoopMonitor | undefined;
  // Revocations and per-key limits exist before the listener, so every route sees the same ones.
  const revocations = new Revocations();
  const limits = new KeyLimits(config.limits.perKey, (keyId) => revocations.isRevoked(keyId));
  let authFailures: AuthFailures | undefined;
  let schemas: SchemaCompiler | undefined;
  const http = await supervisor.step("init-logger", async () => {
    log = createLogger({
      level: config.logging.level,
      format: config.development ? "pretty" : config.logging.format,
      sink: options.logSink,
      context: { instance: instanceId.slice(0, 8) },
    });
    registerProcessMetrics(metrics, health, BUILD_INFO);
    loop = new LoopMonitor({ metrics, health, log, settings: config.health.eventLoop });
    loop.start();
    supervisor.manage({ name: "event-loop monitor", stop: async () => loop?.stop() });
    const policy = originPolicy({ ...config.server, host: options.listen?.host ?? config.server.host });
    // A call body larger than a frame could not be relayed to a spoke anyway.
    const callBody = {
      maxBytes: Math.min(config.limits.maxBodyBytes, config.limits.maxFrameBytes),
      maxDepth: config.limits.maxJsonDepth,
    };
    const anonymous = anonymousIdentity(config);
    if (anonymous)
      log.warn("callers without a key may use /mcp (mcp.anonymous.enabled)", { scopes: anonymous.scopes });
    // The listener opens as early as the port is known, answering /health while the rest starts; its startup
    // gate holds every other path back until `ready`, when the parts the routes reach are handed over.
    authFailures = new AuthFailures(
      config.limits.authFailures,
      (rows) => writeAuthFailures(ready.parts.store, rows),
      log.child({ part: "auth" }),
    );
    // Dashboard sessions are sealed with a key derived from the master key: every instance sharing it opens
    // every session (no sticky balancing, no shared state), and a restart signs nobody out.
    const sealer = new SessionSealer(hkdfKey(masterKey, SESSION_KEY_INFO));
    const verifyKeyId = async (keyId: string): Promise<VerifyResult> =>
      revocations.isRevoked(keyId)
        ? { ok: false, reason: "revoked" }
        : verifyApiKeyId(ready.parts.store, keyId);
    const auth = new RequestAuthenticator({
      keys: () => ready.parts.keys,
      failures: authFailures,
      trustProxy: config.server.trustProxy,
      sessions: { sealer, verifyKeyId },
      log: log.child({ part: "auth" }),
    });
    const apiDeps: ApiDeps = {
      store: () => ready.parts.store,
      bus: () => ready.parts.bus,
      revocations: () => revocations,
      log: () => log,
      keyRing: () => ready.parts.keyRing,
      parts: () => ready.parts.parts,
      instanceId,
    };
    const apiTable = apiRouteTable(apiDeps);
    // Warmed before the listener opens: its first compile generates Ajv's code paths for the first time, and
    // once the hub listens every /health answer must be prompt — through a reconnect storm too. (The meta-schema
    // validators are generated at build time: src/catalog/meta-schema.ts.)
    schemas = new SchemaCompiler({
      log: log.child({ part: "catalog" }),
      limits: config.validation,
      maxWorkPerValue: config.validation.maxWorkPerValue,
    });
    const http = startHttpServer({
      host: options.listen?.host ?? config.server.host,
      port: options.listen?.port ?? config.server.port,
      health,
      metrics,
      guardMetrics: config.metrics.requireKey ? metricsGuard(auth) : undefined,
      maxBodyBytes: config.limits.maxBodyBytes,
      log,
      routes: [
        wsRoute({ gateway: () => ready.parts.parts.gateway, auth, limits: () => limits, policy }),
        mcpRoutes({ endpoint: () => ready.parts.parts.mcp, auth, policy, anonymous, body: callBody }),
        mountRoutes(apiTable, {
          name: "api-routes",
          prefix: "/api/v1",
          authenticate: bearerActors(auth),
          body: callBody,
          log: () => log,
        }),
        docsRoute(apiTable),
        uiRoutes({
          auth,
          sealer,
          verifyKeyId,
          policy,
          trustProxy: config.server.trustProxy,
          apiRoutes: apiTable.map((route) => `${route.method} ${route.path}`),
          health,
        }),
      ],
      websocket: {
        maxPayloadLength: config.limits.maxFrameBytes,
        backpressureLimit: config.limits.backpressureBytes,
        // A backstop only: the gateway closes connections silent for two heartbeats itself.
        idleTimeout: Math.min(960, Math.max(8, Math.ceil((3 * config.limits.heartbeatMs) / 1000))),
      },
    });
    // The listener closes after every other part drained (their sockets are closed by then) and before any
    // connection to Postgres or Redis is.
    supervisor.manage({ name: "http", drain: () => http.stop() });
    auth.attach((request) => http.requestIP(request));
    log.info("listening", { url: http.url, config: paths.configPath, version: BUILD_INFO.version });
    await openAdminSocket(config, http, log, (socket) =>
      supervisor.manage({ name: "admin socket", drain: () => socket.stop() }),
    );
    return http;
  });
  const connectTimeoutMs = config.startup.connectTimeoutMs;
  const store = await supervisor.step("connect-postgres", () =>
    retryUntilAvailable("postgres", connectTimeoutMs, log, () =>
      openStore({ postgres: config.postgres, embedded: config.embedded, log: log.child({ part: "store" }) }),
    ),
  );
  supervisor.manage({ name: "postgres", stop: () => store.close() });
  await supervisor.step("run-migrations", async () => {
    const { applied } = await store.migrate();
    log.info("migrations done", { applied, store: store.kind });
  });
  const { bus, presence } = await supervisor.step("connect-redis", async () => {
    if (!config.redis) {
      const bus = createMemoryBus({ instanceId, log });
      supervisor.manage({ name: "bus", stop: () => bus.close() });
      return { bus, presence: createMemoryPresence({ instanceId }) };
    }
    const redis = config.redis;
    const bus = await retryUntilAvailable("redis", connectTimeoutMs, log, () =>
      connectRedisBus({ redis, instanceId, log: log.child({ part: "bus" }), connectTimeoutMs }),
    );
    supervisor.manage({ name: "bus", stop: () => bus.close() });
    const presence = await retryUntilAvailable("redis", connectTimeoutMs, log, () =>
      connectRedisPresence({
        redis,
        log: log.child({ part: "presence" }),
        connectTimeoutMs,
        instanceId,
        // An instance silent for remoteAckMs counts as dead for calls; its names are free after as long.
        instanceTtlMs: config.router.remoteAckMs,
      }),
    );
    return { bus, presence };
  });
  supervisor.manage({ name: "presence", stop: () => presence.close() });
  const keyRing = await supervisor.step("init-keyring", () => {
    if (config.encryptionKeys) return KeyRing.parse(config.encryptionKeys);
    log.warn("no encryptionKeys configured: client secrets are disabled");
    return undefined;
  });
  const keys = await supervisor.step(
    "init-drizzle",
    () =>
      new KeyVerifier(store, {
        ttlMs: config.auth.keyCacheTtlMs,
        staleMs: config.auth.keyCacheStaleMs,
        isRevoked: (keyId) => revocations.isRevoked(keyId),
      }),
  );
  const parts = await supervisor.step("init-subsystems", () =>
    buildHubParts({
      config,
      store,
      bus,
      presence,
      metrics,
      log,
      instanceId,
      keys,
      revocations,
      limits,
      mcpSessionSecret: hkdfKey(masterKey, "alkhub/mcp-session/v1"),
      timer: loop,
      keyRing,
      schemas,
    }),
  );
  await supervisor.step("start-server", async () => {
    for (const service of parts.services) await supervisor.start(service);
    if (authFailures) await supervisor.start(authFailures);
    await supervisor.start(new DependencyMonitor({ store, bus, health, log }));
    ready.open({ keys, store, bus, parts, keyRing });
  });
  health.enter("ready");
  log.info("ready", { store: store.kind, bus: bus.kind });

  let stopping: Promise<void> | undefined;
  return {
    url: http.url,
    port: http.port,
    instanceId,
    config,
    health,
    metrics,
    store,
    bus,
    keys,
    subsystems: parts,
    log,
    stop() {
      stopping ??= (async () => {
        health.markDraining();
        log.info("shutting down");
        await supervisor.stop();
        log.info("stopped");
      })();
      return stopping;
    },
  };
}

/**
 * Serves the HTTP server's `/api/` routes on the local admin socket (`admin.socket`). A socket that cannot be
 * served is logged and left out: the hub runs on, and the CLI reaches it over HTTP with a key instead.
 */
async function openAdminSocket(
  config: HubConfig,
  http: HttpServer,
  log: Logger,
  onOpen: (socket: AdminSocket) => void,
): Promise<void> {
  if (config.admin.socket === false || config.admin.socket === undefined) return;
  try {
    const socket = await startAdminSocket({
      path: config.admin.socket,
      handle: (request) => http.handle(request),
      maxRequestBodySize: config.limits.maxBodyBytes,
      log,
    });
    onOpen(socket);
  } catch (error) {
    log.warn("admin socket not served; the CLI needs --url and --key-file to reach this hub", {
      path: config.admin.socket,
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}

/** The identity of keyless /mcp callers, when the config enables them. */
function anonymousIdentity(config: HubConfig): Identity | undefined {
  const { anonymous } = config.mcp;
  if (!anonymous.enabled) return undefined;
  return {
    keyId: "anonymous",
    accountId: "anonymous",
    accountName: "anonymous",
    scopes: anonymous.scopes,
    spokeNames: [],
    operations: anonymous.operations,
    expiresAt: null,
  };
}

/** Coalesced failed authentications as `audit_logs` rows (`auth.failure`, outcome = the reason). */
async function writeAuthFailures(store: Store, rows: AuthFailureRow[]): Promise<void> {
  for (const row of rows) {
    await writeAuditRow(store.db, {
      action: "auth.failure",
      target: row.keyId,
      outcome: row.reason,
      actor: { address: row.address },
      details: { count: row.count, firstAt: new Date(row.firstAt), lastAt: new Date(row.lastAt) },
    });
  }
}
