/**
 * `startHub()`: runs the startup steps of ARCHITECTURE.md › Lifecycle in order and returns a handle whose
 * `stop()` shuts the hub down in reverse. Every step is named in `/health` while it runs; a failing step is
 * logged with its name and rethrown (its error carries the process exit code).
 */

import type { Identity } from "./auth/index.ts";
import { KeyVerifier } from "./auth/index.ts";
import { type Bus, connectRedisBus, createMemoryBus } from "./bus/index.ts";
import { type HubConfig, loadConfig, resolveConfigPath, resolveMasterKeyPath } from "./config/index.ts";
import { hkdfKey, KeyRing, readMasterKeyFile } from "./crypto/index.ts";
import { HealthState, MetricsRegistry, registerProcessMetrics, type StartupStep } from "./health/index.ts";
import {
  adminRoutes,
  apiRoutes,
  type HttpServer,
  mcpRoutes,
  metricsGuard,
  originPolicy,
  startHttpServer,
  wsRoute,
} from "./http/index.ts";
import { DependencyMonitor, retryUntilAvailable, ShutdownPlan } from "./lifecycle/index.ts";
import { createLogger, type Logger, type LogSink } from "./log/index.ts";
import { connectRedisPresence, createMemoryPresence } from "./presence/index.ts";
import { openStore, type Store } from "./store/index.ts";
import { createSubsystems, type Subsystems } from "./subsystems.ts";
import { BUILD_INFO } from "./version.ts";

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
  readonly subsystems: Subsystems;
  readonly log: Logger;
  /** Graceful shutdown in reverse startup order; calling it again returns the same promise. */
  stop(): Promise<void>;
}

/** A startup step failed; `cause` is the step's own error (it decides the exit code). */
export class StartupStepError extends Error {
  override readonly name = "StartupStepError";
  readonly step: StartupStep;

  constructor(step: StartupStep, cause: unknown) {
    super(`startup step ${step} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.step = step;
  }
}

export async function startHub(options: HubOptions = {}): Promise<Hub> {
  const health = new HealthState();
  const metrics = new MetricsRegistry();
  let log = createLogger({ sink: options.logSink });
  const shutdown = new ShutdownPlan();
  const instanceId = crypto.randomUUID();

  const step = async <T>(name: StartupStep, run: () => Promise<T> | T): Promise<T> => {
    health.enter(name);
    try {
      return await run();
    } catch (error) {
      log.error("startup failed", { step: name, error });
      await shutdown.run(log);
      throw new StartupStepError(name, error);
    }
  };

  const paths = await step("resolve-config", () => {
    const env = options.env ?? process.env;
    const cwd = options.cwd ?? process.cwd();
    const config = resolveConfigPath({ flag: options.configPath, env, cwd });
    return {
      configPath: config.path,
      masterKeyPath: resolveMasterKeyPath({ flag: options.masterKeyPath, configPath: config.path }),
    };
  });
  const { config, masterKey } = await step("load-config", async () => {
    const masterKey = await readMasterKeyFile(paths.masterKeyPath, log);
    return { config: await loadConfig({ path: paths.configPath, masterKey }), masterKey };
  });
  let http: HttpServer | undefined;
  // Filled by later steps; the routes registered now reach them only after `ready` (the startup gate).
  let subsystems: Subsystems | undefined;
  let keys: KeyVerifier | undefined;
  await step("init-logger", () => {
    log = createLogger({
      level: config.logging.level,
      format: config.development ? "pretty" : config.logging.format,
      sink: options.logSink,
      context: { instance: instanceId.slice(0, 8) },
    });
    registerProcessMetrics(metrics, health, BUILD_INFO);
    const policy = originPolicy({ ...config.server, port: options.listen?.port ?? config.server.port });
    const anonymous = anonymousIdentity(config);
    if (anonymous)
      log.warn("callers without a key may use /mcp (mcp.anonymous.enabled)", { scopes: anonymous.scopes });
    // The listener opens as early as the port is known, answering /health while the rest starts.
    http = startHttpServer({
      host: options.listen?.host ?? config.server.host,
      port: options.listen?.port ?? config.server.port,
      health,
      metrics,
      guardMetrics: config.metrics.requireKey ? metricsGuard(() => keys!) : undefined,
      routes: [
        wsRoute({
          gateway: () => subsystems!.gateway,
          keys: () => keys!,
          policy,
        }),
        mcpRoutes({ endpoint: () => subsystems!.mcp, keys: () => keys!, policy, anonymous }),
        apiRoutes({
          router: () => subsystems!.router,
          keys: () => keys!,
          maxBodyBytes: config.limits.maxFrameBytes,
        }),
        adminRoutes({ store: () => store, bus: () => bus, keys: () => keys!, log: () => log }),
      ],
      websocket: {
        maxPayloadLength: config.limits.maxFrameBytes,
        backpressureLimit: config.limits.backpressureBytes,
        // A backstop only: the gateway closes connections silent for two heartbeats itself.
        idleTimeout: Math.min(960, Math.max(8, Math.ceil((3 * config.limits.heartbeatMs) / 1000))),
      },
    });
    shutdown.add("server", "http", () => http!.stop());
    log.info("listening", { url: http.url, config: paths.configPath, version: BUILD_INFO.version });
  });
  const connectTimeoutMs = config.startup.connectTimeoutMs;
  const store = await step("connect-postgres", () =>
    retryUntilAvailable("postgres", connectTimeoutMs, log, () =>
      openStore({ postgres: config.postgres, embedded: config.embedded, log: log.child({ part: "store" }) }),
    ),
  );
  shutdown.add("connections", "postgres", () => store.close());
  await step("run-migrations", async () => {
    const { applied } = await store.migrate();
    log.info("migrations done", { applied, store: store.kind });
  });
  const { bus, presence } = await step("connect-redis", async () => {
    if (!config.redis) return { bus: createMemoryBus({ instanceId, log }), presence: createMemoryPresence() };
    const redis = config.redis;
    const bus = await retryUntilAvailable("redis", connectTimeoutMs, log, () =>
      connectRedisBus({ redis, instanceId, log: log.child({ part: "bus" }), connectTimeoutMs }),
    );
    shutdown.add("connections", "bus", () => bus.close());
    const presence = await retryUntilAvailable("redis", connectTimeoutMs, log, () =>
      connectRedisPresence({ redis, log: log.child({ part: "presence" }), connectTimeoutMs }),
    );
    return { bus, presence };
  });
  if (bus.kind === "memory") shutdown.add("connections", "bus", () => bus.close());
  shutdown.add("connections", "presence", () => presence.close());
  const keyRing = await step("init-keyring", () => {
    if (config.encryptionKeys) return KeyRing.parse(config.encryptionKeys);
    log.warn("no encryptionKeys configured: client secrets are disabled");
    return undefined;
  });
  keys = await step("init-drizzle", () => new KeyVerifier(store));
  subsystems = await step("init-subsystems", () =>
    createSubsystems({
      config,
      store,
      bus,
      presence,
      metrics,
      log,
      instanceId,
      keys: keys!,
      mcpSessionSecret: hkdfKey(masterKey, "alkhub/mcp-session/v1"),
      keyRing,
    }),
  );
  const parts = subsystems;
  const monitor = new DependencyMonitor({ store, bus, health, log });
  await step("start-server", async () => {
    shutdown.add("connections", "audit-and-catalog", () => parts.stop());
    shutdown.add("drain", "spokes", () => parts.drain());
    await parts.start();
    monitor.start();
    shutdown.add("drain", "dependency-monitor", () => monitor.stop());
  });
  health.enter("ready");
  log.info("ready", { store: store.kind, bus: bus.kind });

  let stopping: Promise<void> | undefined;
  return {
    url: http!.url,
    port: http!.port,
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
        await shutdown.run(log);
        log.info("stopped");
      })();
      return stopping;
    },
  };
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
