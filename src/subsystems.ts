/**
 * The parts built on top of the store and the bus (the `init-subsystems` step): catalog, call audit, router,
 * hub operations and the /ws gateway, wired together. `start()` begins their background work; `drain()` and
 * `stop()` undo it in shutdown order.
 */
import { CallAudit } from "./audit/index.ts";
import { type KeyVerifier, subscribeRevocations } from "./auth/index.ts";
import type { Bus, Unsubscribe } from "./bus/index.ts";
import { Catalog } from "./catalog/index.ts";
import { ClusterNode } from "./cluster/index.ts";
import type { HubConfig } from "./config/index.ts";
import type { KeyRing } from "./crypto/index.ts";
import type { MetricsRegistry } from "./health/index.ts";
import type { Logger } from "./log/index.ts";
import { McpEndpoint } from "./mcp/index.ts";
import type { Presence } from "./presence/index.ts";
import { HubOperations, Router } from "./router/index.ts";
import { getClientSecret } from "./secrets/index.ts";
import { SpokeDirectory, SpokeGateway } from "./spokes/index.ts";
import type { Store } from "./store/index.ts";
import { ensureAccountId, Upstreams } from "./upstreams/index.ts";

export interface Subsystems {
  catalog: Catalog;
  audit: CallAudit;
  router: Router;
  gateway: SpokeGateway;
  mcp: McpEndpoint;
  cluster: ClusterNode;
  /** The MCP servers the hub dials (config `upstreams`; the admin API adds and removes). */
  upstreams: Upstreams;
  /** Loads the catalog, starts heartbeats and the audit writer. */
  start(): Promise<void>;
  /** Drains the /ws connections and the calls in flight (up to `shutdown.graceMs`). */
  drain(): Promise<void>;
  /** Flushes the audit and stops the catalog. */
  stop(): Promise<void>;
}

export function createSubsystems(opts: {
  config: HubConfig;
  store: Store;
  bus: Bus;
  presence: Presence;
  metrics: MetricsRegistry;
  log: Logger;
  instanceId: string;
  keys: KeyVerifier;
  /** Secret for MCP session ids, the same on every instance. */
  mcpSessionSecret: Uint8Array;
  /** The data keys (`encryptionKeys`); without them upstream headers from client secrets cannot be opened. */
  keyRing?: KeyRing;
}): Subsystems {
  const { config, store, bus, presence, metrics, log, instanceId, keys } = opts;
  let stopRevocations: Unsubscribe | undefined;
  const catalog = new Catalog({ store, bus, log: log.child({ part: "catalog" }), instanceId });
  const audit = new CallAudit({
    store,
    log: log.child({ part: "audit" }),
    metrics,
    instanceId,
    ...config.audit,
  });
  const directory = new SpokeDirectory();
  const cluster = new ClusterNode({
    bus,
    presence,
    catalog,
    log: log.child({ part: "cluster" }),
    remoteAckMs: config.router.remoteAckMs,
    heartbeatMs: config.limits.heartbeatMs,
    directory,
  });
  const router = new Router({
    catalog,
    links: cluster.links,
    audit,
    metrics,
    log: log.child({ part: "router" }),
    settings: config.router,
  });
  router.useHubOperations(new HubOperations(catalog, router));
  const gateway = new SpokeGateway(
    {
      router,
      catalog,
      instanceId,
      heartbeatMs: config.limits.heartbeatMs,
      spokeLimits: {
        maxFrameBytes: config.limits.maxFrameBytes,
        maxOperations: config.limits.maxOperationsPerSpoke,
        maxSchemaBytes: config.limits.maxSchemaBytes,
        maxInFlightCalls: config.limits.maxInFlightPerConnection,
      },
      sessionLimits: config.limits,
      log: log.child({ part: "spokes" }),
      directory,
      forwarded: cluster.forwarded,
      presence,
      takeOverRemote: (owner, spokeName, connectionId) => cluster.takeOver(owner, spokeName, connectionId),
    },
    metrics,
  );
  const spokes = gateway;
  cluster.attach(router, spokes);
  const mcp = new McpEndpoint({
    router,
    catalog,
    bus,
    log: log.child({ part: "mcp" }),
    sessionSecret: opts.mcpSessionSecret,
    sessionIdleMs: config.mcp.sessionIdleMs,
  });
  const upstreams = new Upstreams(
    {
      gateway: spokes,
      presence,
      instanceId,
      openSecret: (address) => {
        if (!opts.keyRing) throw new Error('client secrets are disabled: the config has no "encryptionKeys"');
        return getClientSecret(store, opts.keyRing, address);
      },
      accountId: (name) => ensureAccountId(store, name),
      log: log.child({ part: "upstreams" }),
      standbyPollMs: config.limits.heartbeatMs,
      // An HTTP dial is cheap: retry within seconds, not the SDK's 30 s ceiling.
      reconnect: { initialDelayMs: 250, maxDelayMs: 5000 },
    },
    config.upstreams,
  );
  metrics.gauge("alkhub_mcp_sessions", "MCP sessions held by this instance.", () => [[{}, mcp.sessionCount]]);
  return {
    catalog,
    audit,
    router,
    gateway: spokes,
    mcp,
    cluster,
    upstreams,
    async start() {
      await catalog.start({ soleInstance: bus.kind === "memory" });
      await cluster.start();
      stopRevocations = await subscribeRevocations(bus, (keyId) => {
        keys.evict(keyId);
        spokes.revokeKey(keyId);
      });
      audit.start();
      spokes.startHeartbeats();
      await mcp.start();
      upstreams.start();
    },
    async drain() {
      // Upstreams leave first, so their names are free for another instance while the rest drains.
      await upstreams.stop();
      await Promise.all([spokes.drain(config.shutdown.graceMs), mcp.stop()]);
    },
    async stop() {
      await cluster.stop();
      await stopRevocations?.();
      await audit.stop();
      await catalog.stop();
    },
  };
}
